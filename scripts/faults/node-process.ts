import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * One broker of the fault suite as a real process (`node dist/apps/broker/src/main.js`), signalled
 * only by its own pid: kill -9, SIGSTOP / SIGCONT, SIGTERM with a deadline then SIGKILL. Restarts
 * reuse the same environment (ports, data dir). Its output goes to a log file and a bounded
 * in-memory tail for failure messages.
 *
 * Every started process is in `LIVE`; `killAllStarted()` (called on exit and on Ctrl-C of the
 * suite) SIGCONTs and SIGKILLs each by pid, so no broker outlives the suite.
 */
const TAIL_BYTES = 64 * 1024;
const LIVE = new Set<NodeProcess>();

export interface NodeProcessOptions {
  name: string;
  /** node arguments: the script and its arguments. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
  /** Output that means "started" (default: the broker's listening line). */
  readyPattern?: RegExp;
}

export class NodeProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private tail = '';
  private stopped = false;
  private paused = false;
  starts = 0;

  constructor(readonly options: NodeProcessOptions) {}

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get isPaused(): boolean {
    return this.paused && this.running;
  }

  /** The last output lines, for failure messages. */
  outputTail(lines = 30): string {
    return this.tail.split('\n').slice(-lines).join('\n');
  }

  /** Starts the process and resolves once it printed its ready line; rejects (after killing it) at the deadline. */
  async start(deadlineMs: number): Promise<void> {
    if (this.running) throw new Error(`${this.options.name} is already running (pid ${this.child!.pid})`);
    fs.mkdirSync(path.dirname(this.options.logFile), { recursive: true });
    const log = fs.createWriteStream(this.options.logFile, { flags: 'a' });
    log.on('error', () => undefined);
    log.write(`\n=== start ${++this.starts} at ${new Date().toISOString()} ===\n`);
    const child = spawn(process.execPath, this.options.args, {
      cwd: this.options.cwd,
      env: { ...process.env, ...this.options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.paused = false;
    this.stopped = false;
    LIVE.add(this);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        LIVE.delete(this);
        log.end(`=== exited (${signal ?? code}) at ${new Date().toISOString()} ===\n`);
        resolve();
      }),
    );
    const pattern = this.options.readyPattern ?? /runnel broker listening on/;
    let seen = '';
    let ready = false;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill('SIGKILL');
        reject(new Error(`${this.options.name} did not start within ${deadlineMs} ms; its last output:\n${this.outputTail()}`));
      }, deadlineMs);
      const onData = (chunk: Buffer): void => {
        const text = chunk.toString();
        log.write(text);
        this.tail = (this.tail + text).slice(-TAIL_BYTES);
        if (!ready) {
          seen = (seen + text).slice(-TAIL_BYTES);
          if (pattern.test(seen)) {
            ready = true;
            seen = '';
            clearTimeout(timer);
            resolve();
          }
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${this.options.name} could not be started: ${error.message}`));
      });
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(
          new Error(
            `${this.options.name} exited (${child.signalCode ?? child.exitCode}) before it was ready; its last output:\n${this.outputTail()}`,
          ),
        );
      });
    });
  }

  /** Sends `signal` to this process's own pid (no-op when it is not running). */
  kill(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, signal);
      if (signal === 'SIGSTOP') this.paused = true;
      if (signal === 'SIGCONT') this.paused = false;
    } catch {
      // it exited meanwhile
    }
  }

  /** kill -9 and wait for the exit. */
  async crash(): Promise<void> {
    if (this.paused) this.kill('SIGCONT');
    this.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (a clean shutdown), SIGKILL if it has not exited after `deadlineMs`. Answers true when it exited by itself. */
  async stop(deadlineMs: number): Promise<boolean> {
    if (!this.running) return true;
    this.stopped = true;
    if (this.paused) this.kill('SIGCONT');
    this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const clean = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), deadlineMs))),
    ]);
    clearTimeout(timer);
    if (!clean) await this.crash();
    return clean;
  }

  /** Resolves when the process has exited. */
  waitForExit(): Promise<void> {
    return this.exited;
  }

  get wasStopped(): boolean {
    return this.stopped;
  }
}

/** SIGCONT + SIGKILL every process still running, by pid (exit paths of the suite). */
export function killAllStarted(): void {
  for (const node of LIVE) {
    node.kill('SIGCONT');
    node.kill('SIGKILL');
  }
}

export function liveProcessCount(): number {
  return LIVE.size;
}
