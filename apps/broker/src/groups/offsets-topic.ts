import { OffsetLog, OffsetLogRecord } from '@runnel/groups';
import { encodeRecordBatch, partitionForKey } from '@runnel/protocol';
import { PartitionHandle, ReplicationError } from '@runnel/replication';
import { RunnelError } from '../common/errors';
import { forEachKeyedRecord } from '../topics/internal-topic-reader';
import { CONSUMER_OFFSETS_TOPIC } from '../topics/topic-names';
import { TopicsService } from '../topics/topics.service';

export interface OffsetsTopicSettings {
  partitions: number;
  segmentBytes: number;
}

/** Records per stored batch: a 10,000-offset commit stays well under max.message.bytes per batch. */
const RECORDS_PER_BATCH = 1000;

interface PendingAppend {
  groupId: string;
  records: OffsetLogRecord[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
}

/**
 * The internal topic `__consumer_offsets`: where the group coordinator's records live (committed
 * offsets and group metadata, keyed so compaction keeps the latest of each). A group's records
 * all go to one partition, murmur2(group id) mod partitions — as Kafka places them — so their
 * order is the log order. Appends are acks=all: a commit is answered only once it is fsynced.
 *
 * The topic is created at first start with cleanup.policy=compact; an existing topic keeps its
 * partition count (changing it would move groups between partitions and lose their order).
 *
 * Appends made in the same event-loop turn to the same partition (a storm of commit frames from
 * many members) are coalesced into one batch and one append, in call order: one encode, one
 * write and one fsync wait instead of one per commit.
 */
export class OffsetsTopic implements OffsetLog {
  private partitionCount = 0;
  private readonly pending = new Map<number, PendingAppend>();

  /**
   * `writeTarget`, in cluster mode: the partition a write goes to, only ever the local leader this
   * broker coordinates the partition's groups with (it throws NOT_COORDINATOR otherwise). Without
   * it writes go to `topics.partition()`.
   */
  constructor(
    private readonly topics: TopicsService,
    private readonly writeTarget?: (partitionId: number, groupId: string) => PartitionHandle,
  ) {}

  get partitions(): number {
    return this.partitionCount;
  }

  /** Creates the topic if this data directory has none yet. */
  async ensure(settings: OffsetsTopicSettings): Promise<void> {
    try {
      this.partitionCount = this.topics.get(CONSUMER_OFFSETS_TOPIC).partitionsCount;
      return;
    } catch {
      // not there yet
    }
    const topic = await this.topics.create(
      {
        topic_name: CONSUMER_OFFSETS_TOPIC,
        partitions_count: settings.partitions,
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.bytes', value: String(settings.segmentBytes) },
        ],
      },
      { internal: true },
    );
    this.partitionCount = topic.partitionsCount;
  }

  partitionFor(groupId: string): number {
    return partitionForKey(Buffer.from(groupId, 'utf8'), this.partitionCount);
  }

  append(groupId: string, records: readonly OffsetLogRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const partitionId = this.partitionFor(groupId);
    let batch = this.pending.get(partitionId);
    if (!batch) {
      const created: PendingAppend = { groupId, records: [], waiters: [] };
      this.pending.set(partitionId, created);
      setImmediate(() => {
        this.pending.delete(partitionId);
        this.write(partitionId, created.groupId, created.records).then(
          () => created.waiters.forEach((w) => w.resolve()),
          (error: unknown) => created.waiters.forEach((w) => w.reject(error)),
        );
      });
      batch = created;
    }
    for (const r of records) batch.records.push(r);
    const pending = batch;
    return new Promise((resolve, reject) => pending.waiters.push({ resolve, reject }));
  }

  private async write(partitionId: number, groupId: string, records: readonly OffsetLogRecord[]): Promise<void> {
    const partition = this.writeTarget
      ? this.writeTarget(partitionId, groupId)
      : this.topics.partition(CONSUMER_OFFSETS_TOPIC, partitionId);
    const timestamp = Date.now();
    const batches: Buffer[] = [];
    for (let i = 0; i < records.length; i += RECORDS_PER_BATCH) {
      const slice = records.slice(i, i + RECORDS_PER_BATCH);
      batches.push(encodeRecordBatch({ records: slice.map((r) => ({ timestamp, key: r.key, value: r.value, headers: [] })) }));
    }
    await partition.append(batches.length === 1 ? batches[0] : Buffer.concat(batches), -1);
  }

  /**
   * Every record of every partition up to its high watermark, in log order per partition. In a
   * cluster a partition may be between leaders while brokers start: its read is retried (bounded)
   * until a leader answers.
   */
  async readAll(retryForMs = 60_000): Promise<OffsetLogRecord[]> {
    const records: OffsetLogRecord[] = [];
    for (let p = 0; p < this.partitionCount; p++) {
      const deadline = Date.now() + retryForMs;
      for (;;) {
        try {
          for (const record of await readOffsetRecords(this.topics.partition(CONSUMER_OFFSETS_TOPIC, p))) records.push(record);
          break;
        } catch (error) {
          if (!isRetriable(error) || Date.now() > deadline) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    }
    return records;
  }
}

/** Every keyed record of one offsets partition up to its high watermark, in log order. */
export async function readOffsetRecords(partition: PartitionHandle): Promise<OffsetLogRecord[]> {
  const records: OffsetLogRecord[] = [];
  await forEachKeyedRecord(partition, (key, value) => {
    // Copies: the decoded views would pin each read chunk for the life of the process.
    records.push({ key: Buffer.from(key), value: value === null ? null : Buffer.from(value) });
  });
  return records;
}

/** A partition without a (reachable) leader yet: worth asking again. */
function isRetriable(error: unknown): boolean {
  return error instanceof ReplicationError || (error instanceof RunnelError && error.retriable);
}
