import { describeError, HttpClient, type HttpAnswer } from './http-client';
import { GroupMember } from './group-member';
import type { History, Outcome, ReadRecord } from './history';
import { sleep } from './steps';

/**
 * The workload of a fault run, over the public HTTP API only (README "Produce" / reads):
 *
 * - producers: `POST /v3/clusters/-/topics/{t}/records?acks=all` with
 *   `{"partition_id": p, "value": {"type":"STRING","data": "<unique value>"}}` to a random broker;
 *   one attempt per value (no retries, so a duplicate in the log is the cluster's doing).
 * - consumers: `GET /v3/clusters/-/topics/{t}/partitions/{p}/records?offset=<position>&format=string`
 *   to a random broker, every partition in turn, each consumer from offset 0, advancing by
 *   `next_offset` as a client would.
 *
 * Every operation and its outcome goes into the History. Endpoints are looked up on each request,
 * so faults may change them. Bounded: a fixed number of concurrent loops, each with a request
 * deadline, backing off after failures.
 */
export interface Endpoint {
  broker: number;
  /** http://host:port the workload uses for this broker (through the proxy in the suite). */
  baseUrl: string;
}

export interface WorkloadOptions {
  topic: string;
  partitions: number;
  producers: number;
  consumers: number;
  endpoints: () => readonly Endpoint[];
  history: History;
  random: () => number;
  /** Prefix of every value, unique per run. */
  tag: string;
  requestTimeoutMs: number;
  /** Source address of the workload's connections (the proxy's "client"). */
  localAddress?: string;
  /** Pause between a producer's requests (keeps 2 cores for the brokers). */
  produceIntervalMs?: number;
  /** Consumer-group members over WebSocket (group-member.ts) in `group`, reading the topic. */
  group?: { name: string; members: number; commitIntervalMs?: number };
}

export class Workload {
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly http: HttpClient;
  readonly positions: Map<string, number> = new Map();
  readonly members: GroupMember[] = [];

  constructor(private readonly options: WorkloadOptions) {
    this.http = new HttpClient({ localAddress: options.localAddress, maxSockets: 4 * (options.producers + options.consumers) });
  }

  start(): void {
    this.running = true;
    for (let i = 0; i < this.options.producers; i++) this.loops.push(this.produceLoop(`producer-${i}`));
    for (let i = 0; i < this.options.consumers; i++) this.loops.push(this.consumeLoop(`consumer-${i}`));
    const { group } = this.options;
    for (let i = 0; group && i < group.members; i++) {
      const member = new GroupMember({
        process: `member-${i}`,
        group: group.name,
        topic: this.options.topic,
        endpoints: this.options.endpoints,
        history: this.options.history,
        random: this.options.random,
        localAddress: this.options.localAddress,
        commitIntervalMs: group.commitIntervalMs,
        requestTimeoutMs: this.options.requestTimeoutMs,
      });
      this.members.push(member);
      member.start();
    }
  }

  /**
   * Stops the loops: requests still in flight after `graceMs` are aborted and recorded with an
   * unknown outcome (which is what they are), so stopping never waits a whole request deadline.
   */
  async stop(graceMs = 2_000): Promise<void> {
    this.running = false;
    const members = Promise.all(this.members.map((m) => m.stop()));
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all(this.loops);
    const late = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
    ]);
    clearTimeout(timer);
    this.http.close();
    if (late) await all;
    await members;
    this.loops = [];
  }

  private pick(): Endpoint | undefined {
    const endpoints = this.options.endpoints();
    return endpoints.length === 0 ? undefined : endpoints[Math.floor(this.options.random() * endpoints.length)];
  }

  private async produceLoop(process: string): Promise<void> {
    const { topic, partitions, history, random, tag, requestTimeoutMs } = this.options;
    for (let n = 0; this.running; n++) {
      const endpoint = this.pick();
      if (!endpoint) {
        await sleep(100);
        continue;
      }
      const value = `${tag}:${process}:${n}`;
      const partition = Math.floor(random() * partitions);
      const startMs = Date.now();
      let outcome: Outcome;
      let offset: number | undefined;
      let error: string | undefined;
      try {
        const answer = await this.http.request(
          'POST',
          `${endpoint.baseUrl}/v3/clusters/-/topics/${encodeURIComponent(topic)}/records?acks=all`,
          { partition_id: partition, value: { type: 'STRING', data: value } },
          requestTimeoutMs,
        );
        ({ outcome, offset, error } = produceOutcome(answer));
      } catch (e) {
        outcome = 'unknown';
        error = describeError(e);
      }
      history.add({
        kind: 'produce',
        process,
        broker: endpoint.broker,
        partition,
        value,
        outcome,
        offset,
        error,
        startMs,
        endMs: Date.now(),
      });
      if (outcome !== 'ok') await sleep(100 + random() * 200);
      else if (this.options.produceIntervalMs) await sleep(this.options.produceIntervalMs);
    }
  }

  private async consumeLoop(process: string): Promise<void> {
    const { topic, partitions, history, requestTimeoutMs, random } = this.options;
    const position = Array.from({ length: partitions }, () => 0);
    for (let round = 0; this.running; round++) {
      const partition = round % partitions;
      const endpoint = this.pick();
      if (!endpoint) {
        await sleep(100);
        continue;
      }
      const fromOffset = position[partition];
      const startMs = Date.now();
      try {
        const answer = await this.http.request(
          'GET',
          `${endpoint.baseUrl}/v3/clusters/-/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?offset=${fromOffset}&format=string&max_records=2000&timeout_ms=100`,
          undefined,
          requestTimeoutMs,
        );
        const read = readAnswer(answer);
        if (read) {
          history.add({
            kind: 'read',
            process,
            broker: endpoint.broker,
            partition,
            fromOffset,
            outcome: 'ok',
            ...read,
            startMs,
            endMs: Date.now(),
          });
          if (read.records.length > 0)
            position[partition] = Math.max(read.nextOffset ?? 0, read.records[read.records.length - 1].offset + 1);
        } else {
          history.add({
            kind: 'read',
            process,
            broker: endpoint.broker,
            partition,
            fromOffset,
            outcome: 'unknown',
            records: [],
            error: `HTTP ${answer.status} ${JSON.stringify(answer.body)?.slice(0, 200)}`,
            startMs,
            endMs: Date.now(),
          });
          await sleep(100 + random() * 200);
        }
      } catch (e) {
        history.add({
          kind: 'read',
          process,
          broker: endpoint.broker,
          partition,
          fromOffset,
          outcome: 'unknown',
          records: [],
          error: describeError(e),
          startMs,
          endMs: Date.now(),
        });
        await sleep(100 + random() * 200);
      }
      this.positions.set(`${process}:${partition}`, position[partition]);
    }
  }
}

/**
 * What a produce answer means for the history: a delivery report with an offset is `ok`; a refusal
 * the broker made before appending (4xx status, or a 4xx error_code in a 200 report) is `fail`;
 * anything else (5xx, retriable 50003, a shape we do not know) is `unknown`.
 */
export function produceOutcome(answer: HttpAnswer): { outcome: Outcome; offset?: number; error?: string } {
  const body = answer.body as { error_code?: number; offset?: number; message?: string } | undefined;
  const detail = `HTTP ${answer.status}${body?.error_code !== undefined ? ` error_code ${body.error_code}` : ''}${body?.message ? `: ${body.message}` : ''}`;
  if (answer.status === 200 && body?.error_code === 200 && Number.isSafeInteger(body.offset)) return { outcome: 'ok', offset: body.offset };
  const code = body?.error_code;
  const definite =
    (answer.status >= 400 && answer.status < 500) || (answer.status === 200 && code !== undefined && isClientErrorCode(code));
  return { outcome: definite ? 'fail' : 'unknown', error: detail.slice(0, 300) };
}

function isClientErrorCode(code: number): boolean {
  return (code >= 400 && code < 500) || (code >= 40000 && code < 50000);
}

/** The records of a JSON read answer (format=string), or undefined when it is not a successful read. */
export function readAnswer(answer: HttpAnswer): { records: ReadRecord[]; nextOffset?: number; highWatermark?: number } | undefined {
  const body = answer.body as { data?: unknown; next_offset?: number; high_watermark?: number } | undefined;
  if (answer.status !== 200 || !body || !Array.isArray(body.data)) return undefined;
  const records: ReadRecord[] = [];
  for (const item of body.data as { offset?: unknown; value?: { data?: unknown } | null }[]) {
    if (typeof item.offset !== 'number') return undefined;
    const data = item.value?.data;
    records.push({ offset: item.offset, value: typeof data === 'string' ? data : JSON.stringify(data ?? null) });
  }
  return { records, nextOffset: body.next_offset, highWatermark: body.high_watermark };
}
