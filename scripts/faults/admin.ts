import { keyOf } from './group-checker';
import { HttpClient } from './http-client';
import type { ReadRecord } from './history';
import { readAnswer } from './workload';

/**
 * The harness's own calls to a broker (not part of the history): create the run's topic, read a
 * partition's replicas (leader, ISR), and read a whole partition after healing. They go straight
 * to a broker's HTTP port, never through the proxy, so they work while clients are cut off.
 */
export interface ReplicaState {
  brokerId: number;
  isLeader: boolean;
  inSync: boolean;
}

export class Admin {
  private readonly http = new HttpClient({ maxSockets: 8 });

  constructor(private readonly timeoutMs = 10_000) {}

  close(): void {
    this.http.close();
  }

  /** Creates the topic; an answer 201 (or 40002 "exists" after a retried create) is success. */
  async createTopic(baseUrl: string, topic: string, partitions: number, replicationFactor: number, minInsync: number): Promise<void> {
    const answer = await this.http.request(
      'POST',
      `${baseUrl}/v3/clusters/-/topics`,
      {
        topic_name: topic,
        partitions_count: partitions,
        replication_factor: replicationFactor,
        configs: [{ name: 'min.insync.replicas', value: String(minInsync) }],
      },
      this.timeoutMs,
    );
    const exists = answer.status === 400 && /exist/i.test(String(answer.body?.message));
    if (answer.status !== 201 && !exists) throw new Error(`create topic ${topic}: HTTP ${answer.status} ${JSON.stringify(answer.body)}`);
  }

  /** `GET .../partitions/{p}/replicas`: who leads, who is in sync (Confluent v3 KafkaReplica). */
  async replicas(baseUrl: string, topic: string, partition: number): Promise<ReplicaState[]> {
    const answer = await this.http.request(
      'GET',
      `${baseUrl}/v3/clusters/-/topics/${encodeURIComponent(topic)}/partitions/${partition}/replicas`,
      undefined,
      this.timeoutMs,
    );
    if (answer.status !== 200 || !Array.isArray(answer.body?.data))
      throw new Error(`replicas of ${topic}-${partition}: HTTP ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`);
    return (answer.body.data as { broker_id: number; is_leader: boolean; is_in_sync: boolean }[]).map((r) => ({
      brokerId: r.broker_id,
      isLeader: r.is_leader,
      inSync: r.is_in_sync,
    }));
  }

  /** The leader of a partition as the broker at `baseUrl` knows it, or undefined. */
  async leader(baseUrl: string, topic: string, partition: number): Promise<number | undefined> {
    return (await this.replicas(baseUrl, topic, partition)).find((r) => r.isLeader)?.brokerId;
  }

  /**
   * Reads a partition from offset 0 up to its high watermark; answers the records and that high
   * watermark. Fails (the caller retries) on any error answer.
   */
  async readAll(
    baseUrl: string,
    topic: string,
    partition: number,
    maxRecords = 5_000_000,
  ): Promise<{ records: ReadRecord[]; highWatermark: number }> {
    const records: ReadRecord[] = [];
    let offset = 0;
    let highWatermark = 0;
    for (;;) {
      const answer = await this.http.request(
        'GET',
        `${baseUrl}/v3/clusters/-/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?offset=${offset}&format=string&max_records=10000&max_bytes=16777216`,
        undefined,
        this.timeoutMs,
      );
      const read = readAnswer(answer);
      if (!read)
        throw new Error(`read ${topic}-${partition} at ${offset}: HTTP ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`);
      highWatermark = Math.max(highWatermark, read.highWatermark ?? 0);
      records.push(...read.records);
      if (records.length > maxRecords) throw new Error(`read ${topic}-${partition}: more than ${maxRecords} records`);
      if (read.records.length === 0) {
        if (offset >= highWatermark) return { records, highWatermark };
        throw new Error(`read ${topic}-${partition} at ${offset}: no records below the high watermark ${highWatermark}`);
      }
      offset = Math.max(read.nextOffset ?? 0, read.records[read.records.length - 1].offset + 1);
    }
  }

  /**
   * `GET .../consumer-groups/{g}/lags`: the group's committed offset per partition as the broker at
   * `baseUrl` answers it (`keyOf(group, topic, partition)` → offset; none for a group that never
   * committed, 404). A broker that is not the group's coordinator answers `moved` with the broker
   * its 50003 names (undefined while none is known). Throws on any other answer (the caller retries).
   */
  async committedOffsets(baseUrl: string, group: string): Promise<{ offsets: Map<string, number> } | { moved: number | undefined }> {
    const answer = await this.http.request(
      'GET',
      `${baseUrl}/v3/clusters/-/consumer-groups/${encodeURIComponent(group)}/lags`,
      undefined,
      this.timeoutMs,
    );
    if (answer.body?.error_code === 50003 && answer.body?.coordinator !== undefined)
      return { moved: answer.body.coordinator?.broker_id ?? undefined };
    if (answer.status === 404 && answer.body?.error_code !== 50003) return { offsets: new Map() };
    if (answer.status !== 200 || !Array.isArray(answer.body?.data))
      throw new Error(`lags of group ${group}: HTTP ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 300)}`);
    const offsets = new Map<string, number>();
    for (const lag of answer.body.data as { topic_name: string; partition_id: number; current_offset: number }[])
      offsets.set(keyOf(group, lag.topic_name, lag.partition_id), lag.current_offset);
    return { offsets };
  }
}
