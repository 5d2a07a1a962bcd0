/**
 * Group commit over an expensive durability action (an fsync): at most one runs at a time, and
 * every caller that arrives while one runs shares the NEXT one, which starts when the running
 * one ends. So N concurrent `sync()` calls cost at most two runs, and a resolved `sync()` means a
 * run that STARTED after the call completed: everything written before the call is durable.
 *
 * A failed run rejects exactly the callers that waited for it; the next run is tried afresh.
 * Concurrency: single-threaded; `action` may be called again only after its promise settles.
 */
export class GroupCommit {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private runs = 0;

  constructor(private readonly action: () => Promise<void>) {}

  /** How many times `action` has been started. */
  get runCount(): number {
    return this.runs;
  }

  get inFlight(): boolean {
    return this.running !== undefined;
  }

  /** Nothing running and nobody waiting for a next run. */
  get idle(): boolean {
    return this.running === undefined && this.queued === undefined;
  }

  sync(): Promise<void> {
    if (!this.running) return this.start();
    if (!this.queued) {
      const after = (): Promise<void> => {
        this.queued = undefined;
        return this.start();
      };
      this.queued = this.running.then(after, after);
    }
    return this.queued;
  }

  private start(): Promise<void> {
    this.runs++;
    const run: Promise<void> = Promise.resolve()
      .then(() => this.action())
      .finally(() => {
        if (this.running === run) this.running = undefined;
      });
    this.running = run;
    return run;
  }
}
