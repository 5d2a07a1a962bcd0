import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestPostgres } from '../../libs/metadata/test/support/postgres';
import { label, type Cluster } from './cluster';
import { sleep } from './steps';

/**
 * The fault catalogue (issue #12 "Fault tests"). A fault's `inject` acts at once and answers the
 * function that heals it; `hold` faults are left in place for the run's hold time before healing.
 * Targets are chosen when injected: "the leader" is the leader of partition 0 of the run's topic.
 *
 *   kill-leader       kill -9 of the leader; healed by restarting it on the same data dir
 *   kill-follower     kill -9 of a follower of partition 0
 *   kill-all          kill -9 of every broker (hard bounce); healed by restarting all
 *   pause-leader      SIGSTOP of the leader past its lease, SIGCONT at heal: a paused old leader
 *                     must not accept or acknowledge writes once it resumes
 *   isolate-leader    the leader cut from the other brokers AND from PostgreSQL (it loses its lease)
 *   partition-minority  a random broker cut from the other two brokers (not from PostgreSQL)
 *   client-to-leader  clients cannot reach the leader's HTTP port; other brokers must forward
 *   pg-restart        PostgreSQL stopped and started (same data)
 *   disk-full         log writes of the leader fail with ENOSPC (RUNNEL_TEST_ENOSPC_FLAG_FILE)
 *
 * Combined faults ("a+b") inject both, hold, and heal in reverse order.
 */
export interface FaultContext {
  cluster: Cluster;
  postgres: TestPostgres | undefined;
  topic: string;
  random: () => number;
  log: (line: string) => void;
  /** Deadline for a broker (re)start. */
  startDeadlineMs: number;
  /**
   * Partition 0's leader and followers, read once before the first fault of a run: the faults of
   * a combination aim at the same brokers (and a paused leader cannot be asked who leads).
   */
  targets?: { leader: number; followers: number[] };
}

export type Heal = () => Promise<void>;

export interface Fault {
  name: string;
  /** Needs three brokers and PostgreSQL (not available in --dry-run). */
  clusterOnly: boolean;
  inject(ctx: FaultContext): Promise<Heal>;
}

async function targetsOf(ctx: FaultContext): Promise<{ leader: number; followers: number[] }> {
  if (ctx.targets) return ctx.targets;
  const leader = await ctx.cluster.leaderOf(ctx.topic, 0, 20_000);
  const replicas = await ctx.cluster.replicas(ctx.topic, 0);
  return { leader, followers: replicas.map((r) => r.brokerId).filter((id) => id !== leader) };
}

async function leader(ctx: FaultContext): Promise<number> {
  return (await targetsOf(ctx)).leader;
}

async function follower(ctx: FaultContext): Promise<number> {
  const { followers } = await targetsOf(ctx);
  if (followers.length === 0) throw new Error(`${ctx.topic}-0 has no follower`);
  return followers[Math.floor(ctx.random() * followers.length)];
}

const restart =
  (ctx: FaultContext, ids: number[]): Heal =>
  async () => {
    const down = ids.map((id) => ctx.cluster.node(id).process).filter((p) => !p.running);
    await Promise.all(down.map((p) => p.start(ctx.startDeadlineMs)));
    ctx.log(`restarted ${down.map((p) => `${p.options.name} pid ${p.pid}`).join(', ')}`);
  };

export const FAULTS: readonly Fault[] = [
  {
    name: 'kill-leader',
    clusterOnly: false,
    inject: async (ctx) => {
      const id = await leader(ctx);
      ctx.log(`kill -9 broker ${id} (leader of ${ctx.topic}-0)`);
      await ctx.cluster.node(id).process.crash();
      return restart(ctx, [id]);
    },
  },
  {
    name: 'kill-follower',
    clusterOnly: true,
    inject: async (ctx) => {
      const id = await follower(ctx);
      ctx.log(`kill -9 broker ${id} (follower of ${ctx.topic}-0)`);
      await ctx.cluster.node(id).process.crash();
      return restart(ctx, [id]);
    },
  },
  {
    name: 'kill-all',
    clusterOnly: false,
    inject: async (ctx) => {
      ctx.log('kill -9 of every broker');
      await ctx.cluster.killAll();
      return restart(ctx, ctx.cluster.brokerIds);
    },
  },
  {
    name: 'pause-leader',
    clusterOnly: false,
    inject: async (ctx) => {
      const id = await leader(ctx);
      const node = ctx.cluster.node(id);
      ctx.log(`SIGSTOP broker ${id} (leader of ${ctx.topic}-0)`);
      node.process.kill('SIGSTOP');
      return async () => node.process.kill('SIGCONT');
    },
  },
  {
    name: 'isolate-leader',
    clusterOnly: true,
    inject: async (ctx) => {
      const id = await leader(ctx);
      const others = ctx.cluster.brokerIds.filter((b) => b !== id).map(label);
      ctx.log(`isolate broker ${id} (leader of ${ctx.topic}-0) from ${others.join(', ')} and PostgreSQL`);
      ctx.cluster.proxy.partition([label(id)], others);
      ctx.cluster.proxy.cut(label(id), 'pg', 'drop');
      return async () => {
        ctx.cluster.proxy.healAll();
      };
    },
  },
  {
    name: 'partition-minority',
    clusterOnly: true,
    inject: async (ctx) => {
      const ids = ctx.cluster.brokerIds;
      const minority = ids[Math.floor(ctx.random() * ids.length)];
      const majority = ids.filter((b) => b !== minority).map(label);
      ctx.log(`partition {${label(minority)}} | {${majority.join(', ')}} (PostgreSQL reachable from both sides)`);
      ctx.cluster.proxy.partition([label(minority)], majority);
      return async () => ctx.cluster.proxy.healAll();
    },
  },
  {
    name: 'client-to-leader',
    clusterOnly: false,
    inject: async (ctx) => {
      const id = await leader(ctx);
      ctx.log(`clients cut from broker ${id} (leader of ${ctx.topic}-0)`);
      ctx.cluster.proxy.cut('client', `http-${id}`);
      return async () => ctx.cluster.proxy.heal('client', `http-${id}`);
    },
  },
  {
    name: 'pg-restart',
    clusterOnly: true,
    inject: async (ctx) => {
      if (!ctx.postgres) throw new Error('pg-restart needs PostgreSQL');
      ctx.log('PostgreSQL restart');
      await ctx.postgres.restart();
      return async () => undefined;
    },
  },
  {
    name: 'disk-full',
    clusterOnly: false,
    inject: async (ctx) => {
      const id = await leader(ctx);
      const flag = ctx.cluster.node(id).enospcFlagFile;
      ctx.log(`disk full on broker ${id} (leader of ${ctx.topic}-0)`);
      fs.writeFileSync(flag, 'full');
      return async () => fs.rmSync(flag, { force: true });
    },
  },
  {
    // Not a fault of the plan: the suite's own self-test. It destroys acknowledged data on purpose
    // (kill -9, then the newest segment of every partition of the leader cut in half), so a run
    // with it must FAIL with lost writes; scripts/test/faults proves the checkers see it end to end.
    name: 'sabotage-truncate',
    clusterOnly: false,
    inject: async (ctx) => {
      const id = await leader(ctx);
      const node = ctx.cluster.node(id);
      await node.process.crash();
      for (const entry of fs.readdirSync(node.dataDir)) {
        if (!entry.startsWith(`${ctx.topic}-`)) continue;
        const logs = fs
          .readdirSync(path.join(node.dataDir, entry))
          .filter((f) => f.endsWith('.log'))
          .sort();
        const newest = logs.at(-1);
        if (!newest) continue;
        const file = path.join(node.dataDir, entry, newest);
        fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
      }
      ctx.log(`sabotage: broker ${id} killed and the newest segment of each ${ctx.topic} partition cut in half`);
      return restart(ctx, [id]);
    },
  },
];

/** Faults that are never part of a default plan (self-tests of the suite). */
const SELF_TESTS = new Set(['sabotage-truncate']);

/** The default plan: every fault once, then combinations. */
export const COMBINED: readonly string[] = ['kill-leader+pg-restart', 'pause-leader+partition-minority', 'disk-full+kill-follower'];

export function faultByName(name: string): Fault {
  const fault = FAULTS.find((f) => f.name === name);
  if (!fault) throw new Error(`unknown fault "${name}"; known: ${FAULTS.map((f) => f.name).join(', ')}`);
  return fault;
}

/** "a+b" → the faults a and b, checked against the mode. */
export function parseFaultSpec(spec: string, dryRun: boolean): Fault[] {
  const faults = spec === 'none' ? [] : spec.split('+').map((name) => faultByName(name.trim()));
  const clusterOnly = faults.filter((f) => f.clusterOnly).map((f) => f.name);
  if (dryRun && clusterOnly.length > 0) throw new Error(`${clusterOnly.join(', ')} needs the cluster (not --dry-run)`);
  return faults;
}

/** The runs of a suite: FAULTS_FAULTS when given, else every applicable fault once, then combinations; cycled to `runs`. */
export function planRuns(options: { dryRun: boolean; only?: string[]; runs?: number }): string[] {
  const base = options.only ?? [
    ...FAULTS.filter((f) => !SELF_TESTS.has(f.name) && (!options.dryRun || !f.clusterOnly)).map((f) => f.name),
    ...(options.dryRun ? ['pause-leader+client-to-leader'] : COMBINED),
  ];
  for (const spec of base) parseFaultSpec(spec, options.dryRun);
  const runs = options.runs ?? base.length;
  return Array.from({ length: runs }, (_, i) => base[i % base.length]);
}

/** Injects every fault of a combination; answers one heal that undoes them in reverse order. */
export async function injectAll(faults: readonly Fault[], ctx: FaultContext): Promise<Heal> {
  const heals: Heal[] = [];
  ctx.targets = await targetsOf(ctx);
  try {
    for (const fault of faults) {
      heals.push(await fault.inject(ctx));
      await sleep(200);
    }
  } catch (error) {
    for (const heal of heals.reverse()) await heal().catch(() => undefined);
    throw error;
  }
  return async () => {
    for (const heal of heals.reverse()) await heal();
  };
}
