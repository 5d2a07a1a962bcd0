import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, LogConfig, LogManager } from '@runnel/log';
import type { BrokerRegistration, PartitionState } from '@runnel/metadata';
import { encodeRecordBatch } from '@runnel/protocol';
import { ReplicaManager, type ReplicaFetchRequest, type ReplicaFetchResponse } from '@runnel/replication';
import type { ClusterView } from '../../src/cluster/cluster-view';
import {
  InterBrokerChannel,
  type FetchCodec,
  type InterBrokerClient,
  type InterBrokerClientLimits,
  type InterBrokerLimits,
  type InterBrokerServer,
  type PartitionStateWatcher,
} from '../../src/cluster/inter-broker';
import type { PartitionRouter } from '../../src/cluster/partition-router';

/**
 * In-process brokers for the inter-broker tests: each binds its own loopback address
 * (127.0.0.<id>; Linux routes all of 127/8 to lo), has a real ReplicaManager on a temp dir, an
 * InterBrokerServer, an InterBrokerClient connecting from its address, a PartitionRouter, and a
 * stub ClusterView the test drives (brokers and partition states shared by every node).
 */
export const SECRET = 'inter-broker-test-secret';
export const DURABLE: LogConfig = { ...DEFAULT_LOG_CONFIG, flushMs: 0 };

export const batch = (values: string[], timestamp = 1_000): Buffer =>
  encodeRecordBatch({ records: values.map((v, i) => ({ timestamp: timestamp + i, key: null, value: Buffer.from(v), headers: [] })) });

export const silentLog = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** The cluster as every node's view sees it; `setPartition` notifies like the change follower would. */
export class StubCluster {
  readonly brokers = new Map<number, BrokerRegistration>();
  readonly partitions = new Map<string, PartitionState>();
  private readonly listeners = new Set<() => void>();

  addBroker(brokerId: number, interBrokerAddress: string): void {
    this.brokers.set(brokerId, {
      brokerId,
      epoch: 1,
      incarnationId: `i${brokerId}`,
      interBrokerAddress,
      advertisedUrl: `http://127.0.0.${brokerId}:8080`,
      rack: null,
      state: 'RUNNING',
      alive: true,
      leaseExpiresAt: new Date(0),
    });
  }

  setPartition(topic: string, partition: number, leader: number, leaderEpoch: number): void {
    this.partitions.set(`${topic}/${partition}`, {
      topicName: topic,
      partitionId: partition,
      leader,
      leaderEpoch,
      partitionEpoch: leaderEpoch,
      replicas: [1, 2],
      isr: leader < 0 ? [] : [leader],
      leaderRecoveryState: 0,
      addingReplicas: [],
      removingReplicas: [],
    });
    for (const listener of [...this.listeners]) listener();
  }

  view(localBrokerId: number): ClusterView {
    return {
      mode: 'cluster',
      localBrokerId,
      brokers: () => [...this.brokers.values()],
      broker: (id) => this.brokers.get(id),
      controllerId: () => 1,
      partitionState: (topic, partition) => this.partitions.get(`${topic}/${partition}`),
      partitionStates: (topic) => [...this.partitions.values()].filter((p) => p.topicName === topic),
      onChange: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }
}

export interface TestNode {
  id: number;
  host: string;
  dir: string;
  logs: LogManager;
  replicas: ReplicaManager;
  channel: InterBrokerChannel;
  server: InterBrokerServer;
  client: InterBrokerClient;
  watcher: PartitionStateWatcher;
  router: PartitionRouter;
  /** Replica-fetch requests the server handed to `handleReplicaFetch`. */
  fetches: ReplicaFetchRequest[];
}

export interface NodeOptions {
  secret?: string;
  limits?: Partial<InterBrokerLimits>;
  clientLimits?: Partial<InterBrokerClientLimits>;
  fetchCodec?: FetchCodec;
  handleReplicaFetch?: (request: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>;
  stateMaxWaitMs?: number;
}

export async function startNode(cluster: StubCluster, id: number, options: NodeOptions = {}): Promise<TestNode> {
  const host = `127.0.0.${id}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `runnel-wire-${id}-`));
  const logs = await LogManager.open(dir, { maxOpenFiles: 64 });
  const replicas = new ReplicaManager(logs);
  const fetches: ReplicaFetchRequest[] = [];
  const secret = options.secret ?? SECRET;
  const config = { host, cluster: { interBrokerPort: 0 } };
  const view = cluster.view(id);
  const channel = new InterBrokerChannel({
    config,
    secret: () => secret,
    identity: () => ({ brokerId: id, brokerEpoch: 1 }),
    clusterView: view,
    localPartition: (topic, partition) => replicas.get(topic, partition),
    fetchCodec: options.fetchCodec,
    handleReplicaFetch: options.handleReplicaFetch
      ? (request) => {
          fetches.push(request);
          return options.handleReplicaFetch!(request);
        }
      : undefined,
    log: silentLog,
    serverLimits: options.limits,
    clientLimits: options.clientLimits,
    stateWatcher: { maxWaitMs: options.stateMaxWaitMs ?? 5_000 },
  });
  await channel.start();
  cluster.addBroker(id, channel.server.address);
  const { server, client, watcher, router } = channel;
  return { id, host, dir, logs, replicas, channel, server, client, watcher, router, fetches };
}

export async function stopNode(node: TestNode): Promise<void> {
  await node.channel.close();
  await node.replicas.shutdown();
  await node.logs.close();
  fs.rmSync(node.dir, { recursive: true, force: true });
}

/** Polls `check` until it holds or `timeoutMs` passes (no assumption about speed: a generous deadline). */
export async function eventually(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
