import { encodeRecordBatch } from '@runnel/protocol';
import type { Acks } from '@runnel/replication';
import { forEachKeyedRecord } from '../topics/internal-topic-reader';
import { IDEMPOTENCY_TOPIC } from '../topics/topic-names';
import { TopicsService } from '../topics/topics.service';
import type { StoredAnswer } from './idempotency-cache';

/**
 * The internal topic `__idempotency`: where the answers of Idempotency-Key requests are kept so
 * that the key window survives a restart (SIGTERM or SIGKILL). One record per key and answer:
 * key `<topic>\0<Idempotency-Key>`, value the JSON `{"fingerprint","expires_at_ms","status",
 * "content_type","body"}`. The record is appended before the answer is sent, with the request's
 * acks (acks=all: fsynced first), so an answered request's key is never forgotten by a crash.
 *
 * Created on the first keyed request (a broker whose clients send no keys has no such topic).
 * One partition, `cleanup.policy=compact,delete`: compaction keeps the latest record of a key,
 * and retention (`retention.ms` = the window, segments rolled every window) drops whole
 * segments whose keys have all expired, so the topic stays bounded by what one window
 * produces. Expired records still on disk are skipped when read back.
 */
export interface RememberedAnswer {
  scope: string;
  key: string;
  fingerprint: string;
  expiresAtMs: number;
  answer: StoredAnswer;
}

const SEGMENT_BYTES = 64 * 1024 * 1024;

export class IdempotencyLog {
  private created: Promise<void> | null = null;

  constructor(
    private readonly topics: TopicsService,
    private readonly windowMs: number,
    private readonly maxAnswerBytes: number,
  ) {}

  /** True once this data directory has the topic. */
  exists(): boolean {
    try {
      this.topics.get(IDEMPOTENCY_TOPIC);
      return true;
    } catch {
      return false;
    }
  }

  /** Creates the topic if this data directory has none yet (once, however many callers wait). */
  private ensure(): Promise<void> {
    if (this.exists()) return Promise.resolve();
    this.created ??= this.create().finally(() => (this.created = null));
    return this.created;
  }

  private async create(): Promise<void> {
    const windowMs = String(Math.max(60_000, this.windowMs));
    await this.topics.create(
      {
        topic_name: IDEMPOTENCY_TOPIC,
        partitions_count: 1,
        configs: [
          { name: 'cleanup.policy', value: 'compact,delete' },
          { name: 'retention.ms', value: windowMs },
          { name: 'segment.ms', value: windowMs },
          { name: 'segment.bytes', value: String(SEGMENT_BYTES) },
          // An answer of up to maxAnswerBytes, JSON-escaped, in one batch.
          { name: 'max.message.bytes', value: String(this.maxAnswerBytes * 2 + 64 * 1024) },
        ],
      },
      { internal: true },
    );
  }

  /** Appends one answer; resolves once it is as durable as `acks` asks (all: fsynced). */
  async append(remembered: RememberedAnswer, acks: Acks): Promise<void> {
    await this.ensure();
    const { scope, key, fingerprint, expiresAtMs, answer } = remembered;
    const value = JSON.stringify({
      fingerprint,
      expires_at_ms: expiresAtMs,
      status: answer.status,
      content_type: answer.contentType,
      body: answer.body,
    });
    const batch = encodeRecordBatch({
      records: [
        { timestamp: Date.now(), key: Buffer.from(`${scope}\u0000${key}`, 'utf8'), value: Buffer.from(value, 'utf8'), headers: [] },
      ],
    });
    await this.topics.partition(IDEMPOTENCY_TOPIC, 0).append(batch, acks === -1 ? -1 : 1);
  }

  /**
   * Visits every answer in the log, oldest first (a later record of a key replaces an earlier
   * one), one read chunk at a time, so memory is the visitor's bound, not the log's size.
   * Returns the number of records visited.
   */
  async forEach(visit: (remembered: RememberedAnswer) => void): Promise<number> {
    if (!this.exists()) return 0;
    let visited = 0;
    await forEachKeyedRecord(this.topics.partition(IDEMPOTENCY_TOPIC, 0), (key, value) => {
      const remembered = value === null ? null : parseRecord(key, value);
      if (remembered === null) return;
      visit(remembered);
      visited++;
    });
    return visited;
  }
}

/** null for a record this version cannot read (skipped: a lost key only means a retry appends). */
function parseRecord(key: Uint8Array, value: Uint8Array): RememberedAnswer | null {
  const id = Buffer.from(key).toString('utf8');
  const split = id.indexOf('\u0000');
  if (split < 0) return null;
  try {
    const v = JSON.parse(Buffer.from(value).toString('utf8')) as Record<string, unknown>;
    if (typeof v.fingerprint !== 'string' || typeof v.expires_at_ms !== 'number' || typeof v.status !== 'number') return null;
    if (typeof v.content_type !== 'string' || typeof v.body !== 'string') return null;
    return {
      scope: id.slice(0, split),
      key: id.slice(split + 1),
      fingerprint: v.fingerprint,
      expiresAtMs: v.expires_at_ms,
      answer: { status: v.status, contentType: v.content_type, body: v.body },
    };
  } catch {
    return null;
  }
}
