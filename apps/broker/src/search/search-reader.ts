import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ByteRateLimiter } from '@runnel/search';
import { RunnelError } from '../common/errors';
import type { BrokerConfig } from '../config/broker-config';
import { BROKER_CONFIG } from '../config/tokens';
import { MetricsService } from '../metrics/metrics.service';

/**
 * The one bounded reader every search reads through, so searches cannot starve producers or
 * consumers: at most RUNNEL_SEARCH_CONCURRENCY searches hold a slot at once (one more is
 * refused with 429/42901 and Retry-After, not queued: a console retries, a queue would only
 * hide the wait), and all of them together read at most RUNNEL_SEARCH_BYTES_PER_SEC stored
 * bytes (a shared token bucket; a burst of a quarter second's worth after idle time).
 */
export const SEARCH_RETRY_AFTER_SECONDS = 1;

export interface SearchSlot {
  /** Bytes to ask for per read (see SearchReader.chunkBytes). */
  readonly chunkBytes: number;
  /** Charges `bytes` read to the shared rate and waits what it owes, at most `maxWaitMs` (ends early on abort). */
  pace(bytes: number, signal: AbortSignal, maxWaitMs: number): Promise<void>;
  /** Frees the slot; idempotent. */
  release(): void;
}

@Injectable()
export class SearchReader implements OnModuleInit {
  private running = 0;
  private started = 0;
  private refused = 0;
  private scannedBytes = 0;
  private readonly limiter: ByteRateLimiter;

  constructor(
    @Inject(BROKER_CONFIG) private readonly config: BrokerConfig,
    private readonly metrics: MetricsService,
  ) {
    const rate = config.search.bytesPerSecond;
    this.limiter = new ByteRateLimiter(rate, rate / 4);
  }

  onModuleInit(): void {
    this.metrics.gaugeFrom('runnel_search_running', 'Broker-side searches running now', () => this.running);
    this.metrics.counterFrom('runnel_search_started_total', 'Broker-side searches started', () => this.started);
    this.metrics.counterFrom(
      'runnel_search_refused_total',
      'Broker-side searches refused with 429 because RUNNEL_SEARCH_CONCURRENCY were running',
      () => this.refused,
    );
    this.metrics.counterFrom('runnel_search_scanned_bytes_total', 'Stored bytes read by broker-side searches', () => this.scannedBytes);
  }

  /**
   * Bytes one read of a search asks for: a tenth of a second at the search rate, between 4 KiB and
   * 1 MiB, so a paced scan waits in short steps (progress, cancel and budgets stay responsive).
   */
  get chunkBytes(): number {
    return Math.max(4096, Math.min(1024 * 1024, Math.floor(this.config.search.bytesPerSecond / 10)));
  }

  get runningSearches(): number {
    return this.running;
  }

  /** A slot, or 429/42901 when RUNNEL_SEARCH_CONCURRENCY searches run already. */
  acquire(): SearchSlot {
    const chunkBytes = this.chunkBytes;
    const limit = this.config.search.concurrency;
    if (this.running >= limit) {
      this.refused++;
      throw new RunnelError('THROTTLED', `${limit} searches are running (RUNNEL_SEARCH_CONCURRENCY); retry when one has finished`, {
        retryAfterSeconds: SEARCH_RETRY_AFTER_SECONDS,
      });
    }
    this.running++;
    this.started++;
    let released = false;
    return {
      chunkBytes,
      pace: (bytes, signal, maxWaitMs) => {
        this.scannedBytes += bytes;
        return pause(Math.min(this.limiter.charge(bytes), maxWaitMs), signal);
      },
      release: () => {
        if (released) return;
        released = true;
        this.running--;
      },
    };
  }
}

/** Waits `ms` (nothing for 0), or until `signal` aborts; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  await sleep(ms, undefined, { signal }).catch(() => undefined);
}
