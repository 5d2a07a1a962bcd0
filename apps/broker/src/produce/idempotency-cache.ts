/**
 * The answers of produce requests that carried an `Idempotency-Key`, per topic and key, for
 * `windowMs` (API.md: a retry within `idempotency.window.ms` returns the first answer and
 * appends nothing). A request that finds its key claimed by one still running waits for that
 * one's answer. Answers that say "nothing happened, try again" (5xx) are not kept, so the retry
 * runs for real; a waiter then claims the key itself.
 *
 * Bounded: at most `maxEntries` keys and `maxBytes` of answer bodies; the oldest go first. All
 * entries live equally long, so insertion order is expiry order and a Map is the whole index.
 */
export interface StoredAnswer {
  status: number;
  contentType: string;
  body: string;
}

interface Entry {
  expiresAtMs: number;
  answer: StoredAnswer | undefined;
  /** Resolves when the first request finishes (answer stored or key released). */
  finished: Promise<void>;
}

export type Claim = { replay: StoredAnswer } | { complete: (answer: StoredAnswer | undefined) => void };

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** Either the first answer to replay, or the right (and duty) to produce it and `complete`. */
  async claim(scope: string, key: string): Promise<Claim> {
    const id = `${scope}\u0000${key}`;
    for (;;) {
      this.evictExpired();
      const entry = this.entries.get(id);
      if (entry === undefined) return { complete: this.open(id) };
      if (entry.answer !== undefined) return { replay: entry.answer };
      await entry.finished;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private open(id: string): (answer: StoredAnswer | undefined) => void {
    let finish!: () => void;
    const entry: Entry = { expiresAtMs: this.nowMs() + this.windowMs, answer: undefined, finished: new Promise((r) => (finish = r)) };
    this.entries.set(id, entry);
    while (this.entries.size > this.maxEntries) this.evictOldest();
    return (answer) => {
      if (this.entries.get(id) !== entry) {
        finish();
        return;
      }
      if (answer === undefined || answer.status >= 500) {
        this.entries.delete(id);
      } else {
        entry.answer = answer;
        this.bytes += answer.body.length;
        while (this.bytes > this.maxBytes && this.entries.size > 0) this.evictOldest();
      }
      finish();
    };
  }

  private evictExpired(): void {
    const now = this.nowMs();
    for (const entry of this.entries.values()) {
      if (entry.expiresAtMs > now) break;
      this.evictOldest();
    }
  }

  private evictOldest(): void {
    const first = this.entries.entries().next();
    if (first.done) return;
    const [id, entry] = first.value;
    this.entries.delete(id);
    if (entry.answer !== undefined) this.bytes -= entry.answer.body.length;
  }
}
