/**
 * The answers of produce requests that carried an `Idempotency-Key`, per topic and key, for
 * `windowMs` (API.md: a retry within `idempotency.window.ms` returns the first answer and
 * appends nothing). Each key is bound to the fingerprint of its first request (route, acks,
 * body): the same key with another request is `mismatch` (422), as Stripe answers. A request
 * that finds its key claimed by one still running with the same fingerprint waits for that
 * one's answer. Answers that say "nothing happened, try again" (5xx) are not kept, so the retry
 * runs for real; a waiter then claims the key itself.
 *
 * Bounded: at most `maxEntries` keys and `maxBytes` of answer bodies; the oldest go first.
 * Entries are kept in expiry order (every new key expires last; `restore` inserts in the order
 * the store gives, oldest first), so a Map is the whole index. Durability is the caller's
 * (IdempotencyLog): this class is the in-memory index only.
 */
export interface StoredAnswer {
  status: number;
  contentType: string;
  body: string;
}

interface Entry {
  fingerprint: string;
  expiresAtMs: number;
  answer: StoredAnswer | undefined;
  /** Resolves when the first request finishes (answer stored or key released). */
  finished: Promise<void>;
}

export type Claim =
  { replay: StoredAnswer } | { mismatch: true } | { expiresAtMs: number; complete: (answer: StoredAnswer | undefined) => void };

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** The first answer to replay, a mismatch, or the right (and duty) to produce it and `complete`. */
  async claim(scope: string, key: string, fingerprint: string): Promise<Claim> {
    const id = entryId(scope, key);
    for (;;) {
      this.evictExpired();
      let entry = this.entries.get(id);
      // Restored entries follow log order, which is expiry order only while the window is unchanged.
      if (entry !== undefined && entry.answer !== undefined && entry.expiresAtMs <= this.nowMs()) {
        this.remove(id);
        entry = undefined;
      }
      if (entry === undefined) return this.open(id, fingerprint);
      if (entry.fingerprint !== fingerprint) return { mismatch: true };
      if (entry.answer !== undefined) return { replay: entry.answer };
      await entry.finished;
    }
  }

  /** An answer read back from the store at start (oldest first); ignored once expired. */
  restore(scope: string, key: string, fingerprint: string, answer: StoredAnswer, expiresAtMs: number): void {
    if (expiresAtMs <= this.nowMs()) return;
    const id = entryId(scope, key);
    this.remove(id);
    this.entries.set(id, { fingerprint, expiresAtMs, answer, finished: Promise.resolve() });
    this.bytes += answer.body.length;
    this.enforceBounds();
  }

  get size(): number {
    return this.entries.size;
  }

  private open(id: string, fingerprint: string): Claim {
    let finish!: () => void;
    const expiresAtMs = this.nowMs() + this.windowMs;
    const entry: Entry = { fingerprint, expiresAtMs, answer: undefined, finished: new Promise((r) => (finish = r)) };
    this.entries.set(id, entry);
    this.enforceBounds();
    const complete = (answer: StoredAnswer | undefined): void => {
      if (this.entries.get(id) !== entry) {
        finish();
        return;
      }
      if (answer === undefined || answer.status >= 500) {
        this.entries.delete(id);
      } else {
        entry.answer = answer;
        this.bytes += answer.body.length;
        this.enforceBounds();
      }
      finish();
    };
    return { expiresAtMs, complete };
  }

  private enforceBounds(): void {
    while (this.entries.size > this.maxEntries || (this.bytes > this.maxBytes && this.entries.size > 0)) this.evictOldest();
  }

  private evictExpired(): void {
    const now = this.nowMs();
    for (const entry of this.entries.values()) {
      if (entry.expiresAtMs > now) break;
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    const first = this.entries.keys().next();
    if (!first.done) this.remove(first.value);
  }

  private remove(id: string): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    if (entry.answer !== undefined) this.bytes -= entry.answer.body.length;
  }
}

function entryId(scope: string, key: string): string {
  return `${scope}\u0000${key}`;
}
