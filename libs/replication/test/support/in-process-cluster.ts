import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, LogConfig, LogManager } from '@runnel/log';
import type { AlterPartitionOutcome, AlterPartitionRequest } from '@runnel/metadata';
import { encodeRecordBatch } from '@runnel/protocol';
import { ReplicaManager, type PartitionStateLike, type ReplicaFetchRequest, type ReplicaFetchResponse } from '@runnel/replication';

export const durableConfig: LogConfig = { ...DEFAULT_LOG_CONFIG, flushMs: 0 };

export const batch = (n: number, tag = 'v'): Buffer =>
  encodeRecordBatch({
    records: Array.from({ length: n }, (_, i) => ({ timestamp: 1000 + i, key: null, value: Buffer.from(`${tag}${i}`), headers: [] })),
  });

/** Polls `check` until it holds; fails after `timeoutMs` (a generous deadline, not a timing assertion). */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface ClusterOptions {
  brokers: number;
  replicaLagTimeMaxMs?: number;
  config?: LogConfig;
}

/**
 * 2–3 ReplicaManagers in one process on temp dirs, connected by an in-process transport whose
 * links can be cut per (follower, leader), and an in-memory controller that validates
 * AlterPartition by epochs (as the ClusterStore does) and pushes every applied state to all
 * brokers, as the change log would.
 */
export class InProcessCluster {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-repl-cluster-'));
  readonly managers = new Map<number, ReplicaManager>();
  readonly logs = new Map<number, LogManager>();
  readonly cut = new Set<string>();
  readonly alterRequests: AlterPartitionRequest[] = [];
  readonly states = new Map<string, PartitionStateLike>();
  minInsyncReplicas = 1;
  private readonly pending = new Set<Promise<void>>();
  private readonly config: LogConfig;

  private constructor(private readonly options: ClusterOptions) {
    this.config = options.config ?? durableConfig;
  }

  static async start(options: ClusterOptions): Promise<InProcessCluster> {
    const cluster = new InProcessCluster(options);
    for (let id = 1; id <= options.brokers; id++) await cluster.startBroker(id);
    return cluster;
  }

  async startBroker(id: number): Promise<ReplicaManager> {
    const logs = await LogManager.open(path.join(this.dir, `broker-${id}`), { maxOpenFiles: 64 });
    const manager = new ReplicaManager(logs, {
      brokerId: id,
      replicaLagTimeMaxMs: this.options.replicaLagTimeMaxMs ?? 30_000,
      alterPartition: (request) => this.alterPartition(request),
      replicaFetch: { transport: (leaderId, request) => this.transport(leaderId, request), maxWaitMs: 200, backoffMs: 20 },
      ackTimeoutMs: 30_000,
    });
    manager.brokerEpoch = 1;
    this.logs.set(id, logs);
    this.managers.set(id, manager);
    return manager;
  }

  async stopBroker(id: number): Promise<void> {
    await this.managers.get(id)?.shutdown();
    await this.logs.get(id)?.close();
    this.managers.delete(id);
    this.logs.delete(id);
  }

  manager(id: number): ReplicaManager {
    return this.managers.get(id)!;
  }

  /** Writes a partition state as the controller would and applies it on every broker. */
  async setState(state: PartitionStateLike): Promise<void> {
    this.states.set(`${state.topicName}-${state.partitionId}`, state);
    for (const manager of this.managers.values()) {
      await manager.applyPartitionState(state, this.config, { minInsyncReplicas: this.minInsyncReplicas });
    }
  }

  state(topic: string, partition: number): PartitionStateLike {
    return this.states.get(`${topic}-${partition}`)!;
  }

  private async transport(leaderId: number, request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> {
    const leader = this.managers.get(leaderId);
    if (!leader || this.cut.has(`${request.replicaId}->${leaderId}`)) throw new Error(`broker ${leaderId} unreachable`);
    return leader.handleReplicaFetch(request);
  }

  private async alterPartition(request: AlterPartitionRequest): Promise<AlterPartitionOutcome> {
    this.alterRequests.push(request);
    const current = this.state(request.topicName, request.partitionId);
    if (!current) return { ok: false, error: 'UNKNOWN_TOPIC_OR_PARTITION' };
    if (request.leaderEpoch < current.leaderEpoch) return { ok: false, error: 'FENCED_LEADER_EPOCH' };
    if (request.partitionEpoch !== current.partitionEpoch) return { ok: false, error: 'INVALID_UPDATE_VERSION' };
    const next = {
      ...current,
      isr: request.newIsr.map((m) => m.brokerId),
      partitionEpoch: current.partitionEpoch + 1,
      leaderRecoveryState: request.leaderRecoveryState,
    };
    // As the change log would: every broker applies it, asynchronously.
    const applied = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.setState(next));
    this.pending.add(applied);
    void applied.finally(() => this.pending.delete(applied));
    this.states.set(`${request.topicName}-${request.partitionId}`, next);
    return { ok: true, state: { ...next, addingReplicas: [], removingReplicas: [] } };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    for (const id of [...this.managers.keys()]) await this.stopBroker(id);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
