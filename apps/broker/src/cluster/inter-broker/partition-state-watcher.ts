import type { InterBrokerClient } from './inter-broker-client';
import type { InterBrokerLogger, PartitionStateSnapshot, PartitionStatesRequest, PartitionStatesResponse } from './types';

/**
 * Keeps the published state (HW, log start, LEO, size, epoch) of remotely led partitions fresh:
 * one long-poll loop per leader broker over `partition-states`, covering every watched partition
 * that broker leads. A watcher set change re-issues the poll at once (the one in flight is
 * aborted). Failures are logged (at most every 10 s per leader) and retried with backoff; the loop
 * never throws and ends when its last partition is unwatched or on `close()`.
 */
export interface StateTarget {
  readonly topic: string;
  readonly partition: number;
  /** The state last applied (undefined before the first answer). */
  readonly knownState: PartitionStateSnapshot | undefined;
  applyState(state: PartitionStateSnapshot): void;
}

export interface PartitionStateWatcherOptions {
  maxWaitMs: number;
  /** The long poll's bound while some partition is not (yet) led by the broker asked. */
  notLedPollMs: number;
  backoffMinMs: number;
  backoffMaxMs: number;
}

const DEFAULTS: PartitionStateWatcherOptions = { maxWaitMs: 10_000, notLedPollMs: 500, backoffMinMs: 100, backoffMaxMs: 5_000 };

interface LeaderLoop {
  targets: Set<StateTarget>;
  /** Targets the leader answered "not led here" for last time. */
  notLed: Set<StateTarget>;
  /** Aborts the poll in flight (set changed, or closing). */
  restart: AbortController;
  running: Promise<void>;
}

export class PartitionStateWatcher {
  private readonly options: PartitionStateWatcherOptions;
  private readonly loops = new Map<number, LeaderLoop>();
  private closed = false;

  constructor(
    private readonly client: Pick<InterBrokerClient, 'call'>,
    private readonly log: InterBrokerLogger,
    options: Partial<PartitionStateWatcherOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Follows `target`'s state at `leaderId`; answers the function that stops it. */
  watch(leaderId: number, target: StateTarget): () => void {
    if (this.closed) return () => undefined;
    let loop = this.loops.get(leaderId);
    if (!loop) {
      loop = { targets: new Set(), notLed: new Set(), restart: new AbortController(), running: Promise.resolve() };
      this.loops.set(leaderId, loop);
      const started = loop;
      started.targets.add(target);
      started.running = this.run(leaderId, started);
    } else {
      loop.targets.add(target);
      loop.restart.abort();
    }
    const current = loop;
    return () => {
      if (!current.targets.delete(target)) return;
      current.notLed.delete(target);
      current.restart.abort();
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const loops = [...this.loops.values()];
    for (const loop of loops) loop.restart.abort();
    await Promise.all(loops.map((loop) => loop.running));
  }

  private async run(leaderId: number, loop: LeaderLoop): Promise<void> {
    let backoffMs = this.options.backoffMinMs;
    let failedSinceLog = 0;
    let loggedAtMs = 0;
    while (!this.closed && loop.targets.size > 0) {
      if (loop.restart.signal.aborted) loop.restart = new AbortController();
      const signal = loop.restart.signal;
      const targets = [...loop.targets];
      const request: PartitionStatesRequest = {
        partitions: targets.map((t) =>
          loop.notLed.has(t)
            ? { topic: t.topic, partition: t.partition, notLed: true }
            : { topic: t.topic, partition: t.partition, known: t.knownState },
        ),
        // A partition the leader does not lead (yet): poll it more often than the others' long poll.
        maxWaitMs: targets.some((t) => loop.notLed.has(t))
          ? Math.min(this.options.notLedPollMs, this.options.maxWaitMs)
          : this.options.maxWaitMs,
      };
      try {
        const { params } = await this.client.call<PartitionStatesResponse>(leaderId, 'partition-states', request, undefined, {
          signal,
          timeoutMs: this.options.maxWaitMs + 15_000,
        });
        const byKey = new Map(targets.map((t) => [key(t.topic, t.partition), t]));
        for (const answer of params.partitions ?? []) {
          const target = byKey.get(key(answer.topic, answer.partition));
          if (!target) continue;
          if (answer.state) {
            loop.notLed.delete(target);
            target.applyState(answer.state);
          } else {
            loop.notLed.add(target);
          }
        }
        backoffMs = this.options.backoffMinMs;
      } catch (error) {
        if (signal.aborted) continue;
        failedSinceLog++;
        const now = Date.now();
        if (now - loggedAtMs >= 10_000) {
          this.log.warn(`partition states from broker ${leaderId} failed ${failedSinceLog} time(s): ${(error as Error).message}`);
          failedSinceLog = 0;
          loggedAtMs = now;
        }
        await sleep(backoffMs, signal);
        backoffMs = Math.min(backoffMs * 2, this.options.backoffMaxMs);
      }
    }
    if (this.loops.get(leaderId) === loop) this.loops.delete(leaderId);
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
