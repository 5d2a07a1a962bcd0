/**
 * Deadlines for every step of the fault suite, with failure messages that say which step of which
 * run failed and why, so a red CI run reads as "run 3 (kill-leader): step 'restart broker 2'
 * timed out after 30000 ms" rather than a hang or a bare stack.
 */
export class StepError extends Error {
  override readonly name = 'StepError';
  constructor(
    readonly step: string,
    message: string,
    cause?: unknown,
  ) {
    super(`step '${step}' ${message}`, { cause });
  }
}

let latestStep = '(none yet)';

/** The step started last, for a message when the suite's whole time budget runs out mid-run. */
export function lastStep(): string {
  return latestStep;
}

/** Runs `work` with a deadline; its failure or timeout becomes a StepError naming `step`. */
export async function step<T>(name: string, deadlineMs: number, work: () => Promise<T>): Promise<T> {
  latestStep = name;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepError(name, `timed out after ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    if (error instanceof StepError) throw error;
    throw new StepError(name, `failed: ${error instanceof Error ? error.message : String(error)}`, error);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it answers a value (not undefined) or the deadline passes; the last problem is in the error. */
export async function waitFor<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const end = Date.now() + deadlineMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= end) throw new Error(`${what}: not reached within ${deadlineMs} ms (last: ${last})`);
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A seeded PRNG (mulberry32), so a failing run can be repeated with FAULTS_SEED. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
