import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestPostgres } from '../../libs/metadata/test/support/postgres';
import { checkHistory } from './checker';
import { CLIENT_ADDRESS, Cluster, type BrokerNode } from './cluster';
import { checkCommits, type CommittedOffsets } from './group-checker';
import { injectAll, parseFaultSpec, type Heal } from './faults';
import { History, type FinalState, type ReadRecord } from './history';
import { compareReplicas, readReplicaLog, type ReplicaDivergence } from './replica-check';
import { lastStep, sleep, step, StepError, waitFor } from './steps';
import { runFailed, type RunResult } from './summary';
import { Workload } from './workload';

/**
 * One run of the suite: a fresh cluster (fresh database, data dirs, ports), the run's topic, the
 * workload, the fault(s) held for `holdMs`, healing, recovery, the final reads, a clean stop, the
 * replica byte-identity check and the checkers. Every step has a deadline; the first step that
 * fails ends the run with its name in the result (a cluster that does not recover after healing
 * fails the run). Brokers are killed by pid on every exit path.
 */
export interface RunSettings {
  index: number;
  fault: string;
  mode: 'cluster' | 'single';
  dir: string;
  postgres: TestPostgres | undefined;
  random: () => number;
  warmupMs: number;
  holdMs: number;
  afterMs: number;
  producers: number;
  consumers: number;
  /** Consumer-group members over WebSocket (0: no group workload). */
  members: number;
  log: (line: string) => void;
}

const PARTITIONS = 3;
const START_DEADLINE_MS = 60_000;
const RECOVERY_DEADLINE_MS = 60_000;
const REQUEST_TIMEOUT_MS = 8_000;

export async function runFault(settings: RunSettings): Promise<RunResult> {
  const startedAt = Date.now();
  const { index, fault, mode, postgres, random, log } = settings;
  const faults = parseFaultSpec(fault, mode === 'single');
  const dir = path.join(settings.dir, `run-${index}-${fault.replace(/[^a-z0-9+-]/gi, '_')}`);
  fs.mkdirSync(dir, { recursive: true });
  const result: RunResult = { index, fault, faultCount: faults.length, durationMs: 0, dir };
  const replicationFactor = mode === 'cluster' ? 3 : 1;
  const minInsync = mode === 'cluster' ? 2 : 1;
  const topic = `faults-${index}`;
  const group = `faults-${index}-group`;
  const history = new History();
  let cluster: Cluster | undefined;
  let workload: Workload | undefined;
  let heal: Heal | undefined;
  const final = new Map<number, ReadRecord[]>();
  try {
    const metadataUrl = postgres
      ? await step('create the run database', 30_000, () => postgres.database(`faults_${process.pid}_${index}_${Date.now().toString(36)}`))
      : undefined;
    cluster = await step('prepare the cluster (ports, proxy)', 30_000, () => Cluster.create({ mode, dir, metadataUrl }));
    const c = cluster;
    await step('start the brokers', START_DEADLINE_MS + 5_000, () => c.startAll(START_DEADLINE_MS));
    log(`  run ${index}: brokers started: ${c.nodes.map((n) => `broker ${n.id} pid ${n.process.pid}`).join(', ')}`);
    await step(`create topic ${topic} (RF ${replicationFactor}, min.insync ${minInsync})`, 60_000, () =>
      c.createTopic(topic, PARTITIONS, replicationFactor, minInsync, 55_000),
    );
    await step('wait until the topic is fully replicated', 65_000, () =>
      c.waitFullyReplicated(topic, PARTITIONS, replicationFactor, 60_000),
    );

    workload = new Workload({
      topic,
      partitions: PARTITIONS,
      producers: settings.producers,
      consumers: settings.consumers,
      endpoints: () => c.endpoints(),
      history,
      random,
      tag: `r${index}`,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      localAddress: CLIENT_ADDRESS,
      produceIntervalMs: 5,
      group: settings.members > 0 ? { name: group, members: settings.members } : undefined,
    });
    workload.start();
    await sleep(settings.warmupMs);
    const ctx = {
      cluster: c,
      postgres,
      topic,
      random,
      log: (line: string) => log(`  run ${index}: ${line}`),
      startDeadlineMs: START_DEADLINE_MS,
    };
    heal = await step(`inject ${fault}`, 90_000, () => injectAll(faults, ctx));
    await sleep(settings.holdMs);
    const healing = heal;
    heal = undefined;
    await step(`heal ${fault}`, START_DEADLINE_MS + 30_000, healing);
    log(`  run ${index}: healed`);
    await sleep(settings.afterMs);
    const w = workload;
    workload = undefined;
    await step('stop the workload', 30_000, () => w.stop());
    const joined = w.members.some((m) => m.joins > 0);
    for (const m of w.members.filter((member) => member.joins === 0))
      log(`  run ${index}: group member never joined ${group} (last: ${m.lastProblem ?? 'no answer'})`);

    await step('recovery: every partition led and fully in sync after healing', RECOVERY_DEADLINE_MS + 5_000, () =>
      c.waitFullyReplicated(topic, PARTITIONS, replicationFactor, RECOVERY_DEADLINE_MS),
    );
    const highWatermarks = new Map<number, number>();
    await step('final reads of every partition from every broker', 90_000, async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        for (const node of c.nodes) {
          const read = await waitFor(`read ${topic}-${p} through broker ${node.id}`, 30_000, () =>
            c.admin.readAll(node.directUrl, topic, p),
          );
          // Each broker's answer is an observation too: different values at one offset are caught.
          history.add({
            kind: 'read',
            process: `final-via-broker-${node.id}`,
            broker: node.id,
            partition: p,
            fromOffset: 0,
            outcome: 'ok',
            records: read.records,
            highWatermark: read.highWatermark,
            startMs: Date.now(),
            endMs: Date.now(),
          });
          if (!final.has(p) || read.records.length > final.get(p)!.length) final.set(p, read.records);
          highWatermarks.set(p, Math.max(highWatermarks.get(p) ?? 0, read.highWatermark));
        }
      }
    });
    if (settings.members > 0) {
      const committed = await step(`read the committed offsets of group ${group}`, 35_000, () => readCommitted(c, group, random, 30_000));
      result.groups = checkCommits(history.ops, committed, joined);
    }
    const forced = await step('stop the brokers cleanly', 90_000, () => c.stopAll(60_000));
    if (forced.length > 0) log(`  run ${index}: brokers ${forced.join(', ')} needed SIGKILL to stop`);
    const divergences: ReplicaDivergence[] = [];
    await step('replica byte-identity check on the data dirs', 120_000, async () => {
      for (let p = 0; p < PARTITIONS; p++) {
        const replicas = await Promise.all(c.nodes.map((n) => readReplicaLog(n.id, n.dataDir, topic, p)));
        divergences.push(...compareReplicas(p, replicas, highWatermarks.get(p) ?? 0));
      }
    });
    result.replicas = { compared: PARTITIONS, divergences };
    result.check = checkHistory(history.ops, final as FinalState);
    if (history.truncated > 0) log(`  run ${index}: history full, ${history.truncated} operations not recorded`);
  } catch (error) {
    const message =
      error instanceof StepError ? error.message : `unexpected: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    result.error = `${message}\n${cluster ? cluster.describeOutputs() : ''}${cluster ? `\nproxy cuts: ${cluster.proxy.describeCuts().join(', ') || 'none'}` : ''}`;
    // What was observed until the failure is still checked against nothing: no final state, so no verdict.
  } finally {
    if (heal) await heal().catch(() => undefined);
    if (workload) await workload.stop().catch(() => undefined);
    if (cluster) await cluster.close().catch(() => undefined);
    result.durationMs = Date.now() - startedAt;
    if (runFailed(result)) writeEvidence(dir, history, final);
  }
  return result;
}

/**
 * The group's committed offsets after healing, through any broker: a 50003 names the coordinator,
 * asked next; anything else (unreachable, still loading) is retried on a random broker until the
 * deadline.
 */
async function readCommitted(cluster: Cluster, group: string, random: () => number, deadlineMs: number): Promise<CommittedOffsets> {
  const anyNode = (): BrokerNode => cluster.nodes[Math.floor(random() * cluster.nodes.length)];
  let node = anyNode();
  return waitFor(`the committed offsets of group ${group}`, deadlineMs, async () => {
    const asked = node;
    node = anyNode();
    const answer = await cluster.admin.committedOffsets(asked.directUrl, group);
    if ('offsets' in answer) return answer.offsets;
    node = cluster.nodes.find((n) => n.id === answer.moved) ?? node;
    return undefined;
  });
}

/** A failed run keeps what the checkers saw: the history (one operation per line) and the final log. */
function writeEvidence(dir: string, history: History, final: ReadonlyMap<number, readonly ReadRecord[]>): void {
  try {
    fs.writeFileSync(path.join(dir, 'history.jsonl'), history.ops.map((op) => JSON.stringify(op)).join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'final.json'), JSON.stringify(Object.fromEntries(final), null, 1));
  } catch {
    // evidence is a convenience: the summary already names the anomalies
  }
}

/**
 * The suite's budget is a hard bound: a run still going when it runs out is reported as failed
 * (naming the step it was in) and the suite ends; its brokers are killed by pid on the way out.
 */
export async function runWithinBudget(
  remainingMs: number,
  fault: string,
  index: number,
  root: string,
  run: () => Promise<RunResult>,
): Promise<RunResult> {
  let timer: NodeJS.Timeout | undefined;
  const startedAt = Date.now();
  const outOfTime = new Promise<RunResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          index,
          fault,
          faultCount: fault.split('+').length,
          durationMs: Date.now() - startedAt,
          dir: root,
          error: `the suite's time budget (FAULTS_DEADLINE_MS) ran out during step '${lastStep()}'`,
        }),
      remainingMs,
    );
  });
  try {
    return await Promise.race([run(), outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}
