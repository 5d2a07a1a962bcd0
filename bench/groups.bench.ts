/**
 * `npm run bench:groups`: consumer groups over WebSocket against a real broker process on
 * loopback (one broker, temp data dir, stopped by pid). Medians over runs. No peers: NATS and
 * Redis have no server-side-assigned consumer groups to compare with fairly.
 *
 * 1. Rebalance time. A topic of PARTITIONS partitions; MEMBERS sockets are opened first (not
 *    timed), then each subscribes with the same group. "Settled" means every member's view, built
 *    only from its own `subscribed` + `assignment` frames, is consistent and complete: each
 *    partition owned by exactly one member, and every member owning floor or ceil of
 *    partitions/members. Cases, in this order on one group per run:
 *      - MEMBERS join one at a time, each waiting for the group to settle: total time from the
 *        first subscribe to the last settle, and the time per join (subscribe → settled);
 *      - half of them leave one at a time (socket closed): time per leave (close → settled);
 *      - that half joins again at once (all subscribes sent together): time to settle;
 *      - that half leaves at once (all sockets closed together): time to settle.
 * 2. Commit throughput: COMMIT_MEMBERS members of one group (2 partitions each) send commit
 *    frames for both their partitions with WINDOW frames in flight each, for SECONDS. Commits
 *    are acks=all: answered once fsynced to __consumer_offsets (one partition per group).
 *
 *   RUNNEL_BENCH_RUNS            runs per case (default 3)
 *   RUNNEL_BENCH_SECONDS         seconds of the commit case per run (default 5)
 *   RUNNEL_BENCH_WARMUP_SECONDS  commit case: seconds first sent and not counted (default 1)
 *   RUNNEL_BENCH_GROUP_MEMBERS   members in the rebalance cases (default 100)
 *   RUNNEL_BENCH_COMMIT_MEMBERS  members in the commit case (default 10)
 *   RUNNEL_BENCH_COMMIT_WINDOW   commit frames in flight per member (default 16)
 *   RUNNEL_BENCH_SOURCE          1 runs the broker from source even when dist/ is built
 *   RUNNEL_BENCH_BROKER_NODE_ARGS extra node flags for the broker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { envInt, fmt, machine, median, table } from './harness';
import { Started, startRunnelBroker } from './peers/process';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 3);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 5);
const WARMUP_SECONDS = envInt('RUNNEL_BENCH_WARMUP_SECONDS', 1);
const MEMBERS = envInt('RUNNEL_BENCH_GROUP_MEMBERS', 100);
const PARTITIONS = MEMBERS * 2;
const COMMIT_MEMBERS = envInt('RUNNEL_BENCH_COMMIT_MEMBERS', 10);
const WINDOW = envInt('RUNNEL_BENCH_COMMIT_WINDOW', 16);
const ROOT = path.resolve(__dirname, '..');
/** A rebalance that has not settled by then is reported as a failure, not waited for forever. */
const SETTLE_TIMEOUT_MS = 60_000;

async function createTopic(baseUrl: string, topic: string, partitions: number): Promise<void> {
  const response = await fetch(`${baseUrl}/v3/clusters/-/topics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic_name: topic, partitions_count: partitions }),
  });
  await response.arrayBuffer();
  if (response.status !== 201) throw new Error(`creating ${topic}: ${response.status}`);
}

type Frame = {
  type: string;
  sub?: string;
  assignment?: { partition: number }[];
  assigned?: { partition: number }[];
  revoked?: { partition: number }[];
  offsets?: { partition: number; offset: number }[];
  error_code?: number;
  message?: string;
};

function openSocket(baseUrl: string, onFrame: (frame: Frame) => void): Promise<WebSocket> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v3/ws`);
  socket.on('message', (data) => onFrame(JSON.parse(data.toString()) as Frame));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
}

/**
 * The group as its members see it: per-member ownership from their frames, plus running counts
 * (members owning each partition, partitions owned exactly once) so "settled" is cheap to test
 * after every frame.
 */
class GroupView {
  private readonly owners: Int32Array;
  private exactlyOnce = 0;
  private readonly owned = new Map<number, Set<number>>();
  private waiter: { expected: number; resolve: () => void } | undefined;
  readonly errors: string[] = [];

  constructor(readonly partitions: number) {
    this.owners = new Int32Array(partitions);
  }

  /** Applies member `id`'s `subscribed` or `assignment` frame; false for any other frame. */
  frame(id: number, frame: Frame): boolean {
    if (frame.type === 'subscribed') {
      this.owned.set(id, new Set());
      for (const a of frame.assignment!) this.add(id, a.partition);
    } else if (frame.type === 'assignment') {
      for (const r of frame.revoked!) this.remove(id, r.partition);
      for (const a of frame.assigned!) this.add(id, a.partition);
    } else {
      return false;
    }
    this.check();
    return true;
  }

  /** Member `id` closed its socket: it owns nothing any more. */
  closed(id: number): void {
    for (const p of this.owned.get(id) ?? []) this.move(p, -1);
    this.owned.delete(id);
    this.check();
  }

  ownedBy(id: number): number[] {
    return [...(this.owned.get(id) ?? [])];
  }

  /** Resolves once `expected` members have subscribed and the group is settled. */
  settled(expected: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`group not settled with ${expected} members after ${SETTLE_TIMEOUT_MS} ms: ${this.describe()}`)),
        SETTLE_TIMEOUT_MS,
      );
      this.waiter = { expected, resolve: () => (clearTimeout(timer), resolve()) };
      this.check();
    });
  }

  private add(id: number, p: number): void {
    const set = this.owned.get(id);
    if (!set || set.has(p)) return;
    set.add(p);
    this.move(p, 1);
  }

  private remove(id: number, p: number): void {
    const set = this.owned.get(id);
    if (set?.delete(p)) this.move(p, -1);
  }

  private move(p: number, delta: number): void {
    if (this.owners[p] === 1) this.exactlyOnce--;
    this.owners[p] += delta;
    if (this.owners[p] === 1) this.exactlyOnce++;
  }

  private check(): void {
    const w = this.waiter;
    if (!w || this.owned.size !== w.expected || this.exactlyOnce !== this.partitions) return;
    const low = Math.floor(this.partitions / w.expected);
    const high = Math.ceil(this.partitions / w.expected);
    for (const set of this.owned.values()) if (set.size < low || set.size > high) return;
    this.waiter = undefined;
    w.resolve();
  }

  private describe(): string {
    const sizes = [...this.owned.values()].map((s) => s.size);
    return `${this.owned.size} members, ${this.exactlyOnce}/${this.partitions} partitions owned exactly once, sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`;
  }
}

interface RebalanceRun {
  joinTotalMs: number;
  joinMs: number[];
  leaveMs: number[];
  burstJoinMs: number;
  burstLeaveMs: number;
}

async function rebalanceRun(baseUrl: string, run: number): Promise<RebalanceRun> {
  const topic = `groups-bench-rebalance-${run}`;
  const group = `rebalance-${run}`;
  await createTopic(baseUrl, topic, PARTITIONS);
  const view = new GroupView(PARTITIONS);
  const onFrame =
    (id: number) =>
    (frame: Frame): void => {
      if (!view.frame(id, frame) && frame.type === 'error') view.errors.push(`member ${id}: ${frame.error_code} ${frame.message}`);
    };
  // Sockets first, untimed: the cases measure the group, not TCP + the WebSocket upgrade.
  const sockets: WebSocket[] = [];
  for (let i = 0; i < MEMBERS; i++) sockets.push(await openSocket(baseUrl, onFrame(i)));
  const subscribe = (i: number): void =>
    sockets[i].send(
      JSON.stringify({ type: 'subscribe', sub: 'g', group, topic, from: 'latest', auto_commit: false, client_id: `bench-${i}` }),
    );
  const check = (): void => {
    if (view.errors.length > 0) throw new Error(`error frames: ${view.errors.slice(0, 3).join('; ')}`);
  };
  try {
    const joinMs: number[] = [];
    const first = performance.now();
    for (let i = 0; i < MEMBERS; i++) {
      const started = performance.now();
      const settled = view.settled(i + 1);
      subscribe(i);
      await settled;
      joinMs.push(performance.now() - started);
      check();
    }
    const joinTotalMs = performance.now() - first;

    const half = Math.floor(MEMBERS / 2);
    const leaveMs: number[] = [];
    for (let i = MEMBERS - 1; i >= MEMBERS - half; i--) {
      const started = performance.now();
      const settled = view.settled(i);
      sockets[i].close();
      view.closed(i);
      await settled;
      leaveMs.push(performance.now() - started);
      check();
    }

    // The half that left joins again on fresh sockets, all subscribes sent together.
    for (let i = MEMBERS - half; i < MEMBERS; i++) sockets[i] = await openSocket(baseUrl, onFrame(i));
    let started = performance.now();
    let settled = view.settled(MEMBERS);
    for (let i = MEMBERS - half; i < MEMBERS; i++) subscribe(i);
    await settled;
    const burstJoinMs = performance.now() - started;
    check();

    started = performance.now();
    settled = view.settled(MEMBERS - half);
    for (let i = MEMBERS - half; i < MEMBERS; i++) {
      sockets[i].close();
      view.closed(i);
    }
    await settled;
    const burstLeaveMs = performance.now() - started;
    check();
    return { joinTotalMs, joinMs, leaveMs, burstJoinMs, burstLeaveMs };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

interface CommitRun {
  offsetsPerSecond: number;
  framesPerSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One member of the commit case: keeps WINDOW commit frames in flight until told to stop. */
class Committer {
  partitions: number[] = [];
  private next = 1;
  /** First offset of a frame -> when it was sent (answers echo the offsets). */
  private readonly sent = new Map<number, number>();
  private stopped = false;
  private drained: (() => void) | undefined;
  counting = false;
  frames = 0;
  readonly latencies: number[] = [];
  error: string | undefined;

  constructor(private readonly socket: WebSocket) {}

  answer(frame: Frame): void {
    if (frame.type === 'error') {
      this.error ??= `${frame.error_code} ${frame.message}`;
      this.stopped = true;
    }
    if (frame.type !== 'committed') return;
    const at = this.sent.get(frame.offsets![0].offset);
    if (at === undefined) return;
    this.sent.delete(frame.offsets![0].offset);
    if (this.counting) {
      this.frames++;
      this.latencies.push(performance.now() - at);
    }
    if (!this.stopped) this.send();
    else if (this.sent.size === 0) this.drained?.();
  }

  start(): void {
    for (let i = 0; i < WINDOW; i++) this.send();
  }

  /** Stops sending; resolves when every frame in flight was answered. */
  stop(): Promise<void> {
    this.stopped = true;
    return this.sent.size === 0 || this.error ? Promise.resolve() : new Promise((resolve) => (this.drained = resolve));
  }

  private send(): void {
    const offset = this.next++;
    this.sent.set(offset, performance.now());
    this.socket.send(JSON.stringify({ type: 'commit', sub: 'c', offsets: this.partitions.map((partition) => ({ partition, offset })) }));
  }
}

async function commitRun(baseUrl: string, run: number): Promise<CommitRun> {
  const topic = `groups-bench-commit-${run}`;
  const group = `commit-${run}`;
  await createTopic(baseUrl, topic, COMMIT_MEMBERS * 2);
  const view = new GroupView(COMMIT_MEMBERS * 2);
  const committers: Committer[] = [];
  const sockets: WebSocket[] = [];
  try {
    for (let i = 0; i < COMMIT_MEMBERS; i++) {
      // The socket's frame callback needs the committer, which needs the socket: a holder breaks the cycle.
      const holder: { committer?: Committer } = {};
      const socket = await openSocket(baseUrl, (frame) => view.frame(i, frame) || holder.committer!.answer(frame));
      const committer = new Committer(socket);
      holder.committer = committer;
      sockets.push(socket);
      committers.push(committer);
    }
    const settled = view.settled(COMMIT_MEMBERS);
    for (const socket of sockets)
      socket.send(JSON.stringify({ type: 'subscribe', sub: 'c', group, topic, from: 'latest', auto_commit: false }));
    await settled;
    // Each member commits the partitions its frames say it owns (2 each once settled).
    committers.forEach((c, i) => (c.partitions = view.ownedBy(i)));
    for (const c of committers) c.start();
    await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
    for (const c of committers) c.counting = true;
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    for (const c of committers) c.counting = false;
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(committers.map((c) => c.stop()));
    const failed = committers.find((c) => c.error);
    if (failed) throw new Error(`commit refused: ${failed.error}`);
    const frames = committers.reduce((n, c) => n + c.frames, 0);
    const offsets = committers.reduce((n, c) => n + c.frames * c.partitions.length, 0);
    const latencies = Float64Array.from(committers.flatMap((c) => c.latencies)).sort();
    return {
      offsetsPerSecond: offsets / seconds,
      framesPerSecond: frames / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
    };
  } finally {
    for (const socket of sockets) socket.terminate();
  }
}

const rebalances: RebalanceRun[] = [];
const commits: CommitRun[] = [];

function print(): void {
  const ms = (values: number[]): string => (values.length ? `${fmt(median(values), 1)} ms` : '-');
  const rows: string[][] = [];
  const half = Math.floor(MEMBERS / 2);
  if (rebalances.length) {
    const pick = <K extends keyof RebalanceRun>(k: K): RebalanceRun[K][] => rebalances.map((r) => r[k]);
    const perRun = (k: 'joinMs' | 'leaveMs', q: number): number[] => pick(k).map((xs) => percentile(Float64Array.from(xs).sort(), q));
    rows.push([
      `${MEMBERS} members join one at a time (${PARTITIONS} partitions), first subscribe → last settled`,
      ms(pick('joinTotalMs')),
      '',
    ]);
    rows.push([
      `  per join: subscribe → every member's view settled`,
      ms(perRun('joinMs', 0.5)),
      `p90 ${ms(perRun('joinMs', 0.9))}, max ${ms(perRun('joinMs', 1))}`,
    ]);
    rows.push([
      `  per leave, ${half} leave one at a time (${MEMBERS} → ${MEMBERS - half}): close → settled`,
      ms(perRun('leaveMs', 0.5)),
      `p90 ${ms(perRun('leaveMs', 0.9))}, max ${ms(perRun('leaveMs', 1))}`,
    ]);
    rows.push([`${half} members join at once (${MEMBERS - half} → ${MEMBERS}): subscribes → settled`, ms(pick('burstJoinMs')), '']);
    rows.push([`${half} members leave at once (${MEMBERS} → ${MEMBERS - half}): closes → settled`, ms(pick('burstLeaveMs')), '']);
  }
  if (commits.length) {
    const m = (k: keyof CommitRun): number => median(commits.map((c) => c[k]));
    rows.push([
      `commit throughput, ${COMMIT_MEMBERS} members × ${WINDOW} frames in flight, 2 offsets/frame, acks=all (fsynced)`,
      `${fmt(m('offsetsPerSecond'))} offsets/s`,
      `${fmt(m('framesPerSecond'))} frames/s; latency p50 ${fmt(m('p50'), 2)} ms, p99 ${fmt(m('p99'), 2)} ms`,
    ]);
  }
  console.log(
    `\nRunnel consumer-group benchmark: medians of ${RUNS} run(s), one broker, WebSocket members on loopback; commit case ${SECONDS} s per run`,
  );
  console.log(machine());
  console.log(
    "Settled = every member's own frames show each partition owned exactly once and a balanced split. No peers: NATS/Redis have no equivalent.",
  );
  console.log();
  console.log(table(['case', 'median', 'notes'], rows));
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-bench-groups-'));
  let broker: { process: Started; baseUrl: string } | undefined;
  try {
    broker = await startRunnelBroker(ROOT, dataDir);
    for (let run = 0; run < RUNS; run++) {
      rebalances.push(await rebalanceRun(broker.baseUrl, run));
      console.error(`done: rebalance run ${run + 1}`);
    }
    for (let run = 0; run < RUNS; run++) {
      commits.push(await commitRun(broker.baseUrl, run));
      console.error(`done: commit run ${run + 1}`);
    }
  } finally {
    await broker?.process.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  print();
}

main().catch((error: unknown) => {
  print();
  console.error(error);
  process.exit(1);
});
