import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, LogManager } from '@runnel/log';
import { encodeRecordBatch } from '@runnel/protocol';
import { Partition, ReplicaManager } from '@runnel/replication';
import { unknownPartition, unknownTopic } from '../../src/common/errors';
import { DEFAULT_WS_LIMITS, WsLimits } from '../../src/ws/ws-limits';
import type { WsGroups } from '../../src/ws/group-member';
import { FrameSink, WsMetrics, WsProducer, WsSecurity, WsSession, WsTopics } from '../../src/ws/ws-session';

/** Real partitions on a temp dir, a recording socket, and a session over them (unit tests). */
export interface Frame {
  type: string;
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class RecordingSink implements FrameSink {
  readonly frames: Frame[] = [];
  bufferedAmount = 0;
  /** When true, send callbacks are held (a stalled client) until `release()`. */
  stalled = false;
  paused = false;
  private held: Array<() => void> = [];
  private waiters: Array<{ predicate: (frames: Frame[]) => boolean; resolve: () => void }> = [];

  /** bufferedAmount at the moment each frame was sent (before it). */
  readonly bufferedBeforeSend: number[] = [];

  send(text: string, done: (error?: Error) => void): void {
    this.bufferedBeforeSend.push(this.bufferedAmount);
    this.frames.push(JSON.parse(text) as Frame);
    if (this.stalled) {
      this.bufferedAmount += text.length;
      this.held.push(() => done());
    } else {
      setImmediate(() => done());
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.predicate(this.frames)) return true;
      w.resolve();
      return false;
    });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  release(): void {
    this.stalled = false;
    this.bufferedAmount = 0;
    for (const done of this.held.splice(0)) done();
  }

  /** Resolves once the frames received so far satisfy `predicate`. */
  until(predicate: (frames: Frame[]) => boolean): Promise<void> {
    if (predicate(this.frames)) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  of(type: string, sub?: string): Frame[] {
    return this.frames.filter((f) => f.type === type && (sub === undefined || f.sub === sub));
  }

  records(sub: string): Array<{ partition: number; offset: number; value: { type: string; data: unknown } }> {
    return this.of('records', sub).flatMap((f) => f.records);
  }

  untilRecords(sub: string, count: number): Promise<void> {
    return this.until(() => this.records(sub).length >= count);
  }

  untilType(type: string, count = 1): Promise<void> {
    return this.until((frames) => frames.filter((f) => f.type === type).length >= count);
  }
}

export class CountingMetrics implements WsMetrics {
  fetchedRecords = 0;
  openSubscriptions = 0;
  fetched(_topic: string, records: number): void {
    this.fetchedRecords += records;
  }
  wsSubscriptionOpened(): void {
    this.openSubscriptions++;
  }
  wsSubscriptionClosed(): void {
    this.openSubscriptions--;
  }
}

export class Cluster {
  private constructor(
    readonly dir: string,
    private readonly logs: LogManager,
    readonly replicas: ReplicaManager,
    private readonly counts: Map<string, number>,
  ) {}

  static async open(topics: Record<string, number>): Promise<Cluster> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-ws-unit-'));
    const logs = await LogManager.open(dir);
    const replicas = new ReplicaManager(logs);
    const counts = new Map(Object.entries(topics));
    for (const [topic, n] of counts) {
      for (let p = 0; p < n; p++) await replicas.becomeLeader(topic, p, 0, DEFAULT_LOG_CONFIG);
    }
    return new Cluster(dir, logs, replicas, counts);
  }

  readonly topics: WsTopics = {
    topicNames: () => this.counts.keys(),
    partitionCount: (topic) => {
      const n = this.counts.get(topic);
      if (n === undefined) throw unknownTopic(topic);
      return n;
    },
    partition: (topic, p) => {
      const state = this.replicas.get(topic, p);
      if (!state) throw unknownPartition(topic, p);
      return state;
    },
  };

  partition(topic: string, p: number): Partition {
    return this.replicas.get(topic, p)!;
  }

  /** Appends `values` (STRING) as one batch and waits until they are below HW. */
  async append(topic: string, p: number, values: string[], timestamp = Date.now()): Promise<void> {
    const batch = encodeRecordBatch({
      records: values.map((v) => ({ timestamp, key: null, value: Buffer.from(v), headers: [] })),
    });
    await this.partition(topic, p).append(batch, -1);
  }

  session(
    sink: FrameSink,
    options: { limits?: Partial<WsLimits>; producer?: WsProducer; metrics?: WsMetrics; groups?: WsGroups; security?: WsSecurity } = {},
  ): WsSession {
    return new WsSession(
      sink,
      this.topics,
      options.producer,
      options.metrics ?? new CountingMetrics(),
      { ...DEFAULT_WS_LIMITS, ...options.limits },
      options.groups,
      '127.0.0.1',
      undefined,
      options.security,
    );
  }

  /** Topic -> partition count (a consumer-group catalog). */
  partitionCounts(): ReadonlyMap<string, number> {
    return this.counts;
  }

  async close(): Promise<void> {
    await this.replicas.shutdown();
    await this.logs.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const frame = (value: unknown): string => JSON.stringify(value);
