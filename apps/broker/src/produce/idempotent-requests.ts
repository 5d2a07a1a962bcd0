import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Acks } from '@runnel/replication';
import { RunnelError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { TopicsService } from '../topics/topics.service';
import { HttpAnswer, JSON_CONTENT_TYPE, NDJSON_CONTENT_TYPE } from './http-answer';
import { IdempotencyCache, StoredAnswer } from './idempotency-cache';
import { IdempotencyLog } from './idempotency-log';
import { MAX_REPLAY_BYTES, ProduceConfig } from './produce-config';

/**
 * API.md's `Idempotency-Key` for the produce routes: a request runs once per key (per topic)
 * within `RUNNEL_IDEMPOTENCY_WINDOW_MS`; a retry of the same request gets the first answer and
 * appends nothing; another request with the key is 422 / 42202. IdempotencyCache is the index
 * in memory (bounded, expiring, concurrent duplicates wait); IdempotencyLog keeps every answer
 * in `__idempotency`, written before the answer is sent, and gives them back at start.
 */

/** What the Idempotency-Key machinery hands a streamed produce (record-stream.ts options). */
export interface StreamHooks {
  capture: (text: string) => void;
  beforeEnd: () => Promise<void>;
  /** The streamed answer's Content-Type, set by the stream before it starts (replayed with it). */
  contentType?: string;
}

/** SHA-256 of what makes two requests "the same" for an Idempotency-Key: route, topic, acks, body. */
export function fingerprintOf(route: string, topic: string, acks: Acks, body: Buffer): string {
  return createHash('sha256').update(`POST ${route} ${topic} acks=${acks}\n`).update(body).digest('hex');
}

export class IdempotentRequests {
  private readonly logger = new Logger('Idempotency');
  private readonly cache: IdempotencyCache;
  private readonly log: IdempotencyLog;
  private readonly stats = { replays: 0, reused: 0, persistErrors: 0 };

  constructor(
    topics: TopicsService,
    metrics: MetricsService,
    config: ProduceConfig,
    private readonly toError: (error: unknown) => RunnelError,
  ) {
    this.cache = new IdempotencyCache(config.idempotencyWindowMs, config.idempotencyMaxKeys, config.idempotencyMaxBytes);
    this.log = new IdempotencyLog(topics, config.idempotencyWindowMs, MAX_REPLAY_BYTES);
    metrics.gaugeFrom(
      'runnel_idempotency_keys',
      'Idempotency-Key answers remembered (RUNNEL_IDEMPOTENCY_MAX_KEYS at most)',
      () => this.cache.size,
    );
    metrics.counterFrom(
      'runnel_idempotency_replays_total',
      'Requests answered with the remembered answer of their Idempotency-Key',
      () => this.stats.replays,
    );
    metrics.counterFrom(
      'runnel_idempotency_key_reused_total',
      'Requests refused (42202): their Idempotency-Key was first used with another request',
      () => this.stats.reused,
    );
    metrics.counterFrom(
      'runnel_idempotency_persist_errors_total',
      'Idempotency-Key answers that could not be written to __idempotency',
      () => this.stats.persistErrors,
    );
  }

  /** Reloads the answers of the window from __idempotency (at start, before requests). */
  async restore(): Promise<void> {
    const records = await this.log.forEach((r) => this.cache.restore(r.scope, r.key, r.fingerprint, r.answer, r.expiresAtMs));
    if (this.cache.size > 0) this.logger.log(`restored ${this.cache.size} Idempotency-Key answer(s) from ${records} record(s)`);
  }

  /**
   * Runs `produce` once per Idempotency-Key (per topic) within the window; retries of the same
   * request get the first answer, another request with the key gets 42202. The answer is written
   * to `__idempotency` (with the request's acks: fsynced for acks=all) before it is sent, so a
   * crash after the answer cannot forget the key. A streamed answer is remembered as the text it
   * streamed (`capture`) and written before its last byte (`beforeEnd`).
   */
  async run(
    topic: string,
    key: string | undefined,
    /** Hashes the request; called only when there is a key (a SHA-256 of the body is no cost to put on every request). */
    fingerprint: () => string,
    acks: Acks,
    produce: (hooks?: StreamHooks) => Promise<{ answer: HttpAnswer; finished?: Promise<void> }>,
  ): Promise<HttpAnswer> {
    if (key === undefined) return (await produce()).answer;
    const hash = fingerprint();
    const claim = await this.cache.claim(topic, key, hash);
    if ('replay' in claim) {
      this.stats.replays++;
      return { ...claim.replay, replayed: true };
    }
    if ('mismatch' in claim) {
      this.stats.reused++;
      throw new RunnelError(
        'IDEMPOTENCY_KEY_REUSED',
        `Idempotency-Key '${key}' was already used on topic '${topic}' with a different request (route, acks or body); a new request needs a new key`,
      );
    }
    let settled = false;
    const settle = async (answer: StoredAnswer | undefined): Promise<void> => {
      if (settled) return;
      settled = true;
      if (answer !== undefined && answer.status < 500) await this.persistAnswer(topic, key, hash, claim.expiresAtMs, answer, acks);
      claim.complete(answer);
    };
    let captured = '';
    let overflow = false;
    const streamed = (): StoredAnswer => {
      if (!overflow) return { status: 200, contentType: hooks.contentType ?? NDJSON_CONTENT_TYPE, body: captured };
      const tooLarge = new RunnelError(
        'CONFLICT',
        `The first request with this Idempotency-Key was processed; its answer is too large to replay`,
      );
      return { status: tooLarge.status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(tooLarge.toBody()) };
    };
    const hooks: StreamHooks = {
      capture: (text) => {
        if (overflow || captured.length + text.length > MAX_REPLAY_BYTES) overflow = true;
        else captured += text;
      },
      beforeEnd: () => settle(streamed()),
    };
    let produced: { answer: HttpAnswer; finished?: Promise<void> };
    try {
      produced = await produce(hooks);
    } catch (error) {
      const failure = this.toError(error);
      await settle({ status: failure.status, contentType: JSON_CONTENT_TYPE, body: JSON.stringify(failure.toBody()) });
      throw failure;
    }
    const { answer, finished } = produced;
    if (typeof answer.body === 'string') await settle({ status: answer.status, contentType: answer.contentType, body: answer.body });
    // A client that left mid-stream never reaches beforeEnd: remember what was streamed.
    else void (finished ?? Promise.resolve()).then(() => settle(streamed()));
    return answer;
  }

  /** Writes one answer to __idempotency; a failure is logged, never the request's (its records are in). */
  private async persistAnswer(
    topic: string,
    key: string,
    fingerprint: string,
    expiresAtMs: number,
    answer: StoredAnswer,
    acks: Acks,
  ): Promise<void> {
    try {
      await this.log.append({ scope: topic, key, fingerprint, expiresAtMs, answer }, acks);
    } catch (error) {
      this.stats.persistErrors++;
      this.logger.error(
        `Idempotency-Key answer not persisted (a retry after a restart would append again): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }
}
