import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Admin, type ReplicaState } from './admin';
import { NodeProcess } from './node-process';
import { FaultProxy } from './proxy';
import { waitFor } from './steps';
import type { Endpoint } from './workload';

/**
 * The brokers of one fault run, as real processes, and the proxy every link goes through:
 *
 *   cluster mode: brokers 1..3 on 127.0.0.1..3 (RUNNEL_HOST binds every listener there and is the
 *   source address of their outgoing inter-broker connections), each with its own data dir, HTTP
 *   and inter-broker port; RUNNEL_INTER_BROKER_ADVERTISED points at the proxy listener of that
 *   broker (target `b<id>`), RUNNEL_METADATA_URL at a proxy listener of PostgreSQL that only this
 *   broker uses (source `b<id>`, target `pg`), and clients reach broker i through target `http-<i>`
 *   from 127.0.0.10 (source `client`). Leases as contracts §7: broker and controller 2000 ms,
 *   heartbeat 300 ms, replica lag 3000 ms; controlled shutdown bounded to 5 s.
 *   single mode (--dry-run): broker 0 alone on 127.0.0.1 with its embedded SQLite store, clients
 *   through the proxy as above.
 *
 * Ports are chosen once, so a restarted broker comes back on the same addresses. The harness's own
 * calls (Admin) go straight to the brokers' HTTP ports.
 */
export const CLIENT_ADDRESS = '127.0.0.10';
const ROOT = path.resolve(__dirname, '../..');
export const BROKER_MAIN = path.join(ROOT, 'dist/apps/broker/src/main.js');

export interface BrokerNode {
  id: number;
  host: string;
  httpPort: number;
  dataDir: string;
  enospcFlagFile: string;
  /** http://host:port straight to the broker (the harness's calls). */
  directUrl: string;
  /** http://host:port of the proxy listener clients use for this broker. */
  clientUrl: string;
  process: NodeProcess;
}

export interface ClusterOptions {
  mode: 'cluster' | 'single';
  /** This run's directory: data dirs, logs, flag files. */
  dir: string;
  /** postgresql://… of this run's database (cluster mode). */
  metadataUrl?: string;
  /** Extra environment for every broker. */
  env?: Record<string, string>;
  /** The broker's entry point (default: the built broker); tests of the wiring pass a stand-in. */
  main?: string;
}

export const label = (brokerId: number): string => `b${brokerId}`;

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class Cluster {
  readonly admin = new Admin();

  private constructor(
    readonly mode: 'cluster' | 'single',
    readonly nodes: BrokerNode[],
    readonly proxy: FaultProxy,
  ) {}

  static async create(options: ClusterOptions): Promise<Cluster> {
    const main = options.main ?? BROKER_MAIN;
    if (!fs.existsSync(main)) throw new Error(`${main} is missing: run "npm run build" first`);
    if (options.mode === 'cluster' && !options.metadataUrl) throw new Error('cluster mode needs a PostgreSQL URL');
    const ids = options.mode === 'cluster' ? [1, 2, 3] : [0];
    const hostOf = (id: number): string => (options.mode === 'cluster' ? `127.0.0.${id}` : '127.0.0.1');
    const names = new Map<string, string>(ids.map((id) => [hostOf(id), label(id)]));
    names.set(CLIENT_ADDRESS, 'client');
    const proxy = new FaultProxy({ sourceOf: (address) => names.get(address) ?? 'other' });
    const nodes: BrokerNode[] = [];
    try {
      for (const id of ids) {
        const host = hostOf(id);
        const httpPort = await freePort(host);
        const dataDir = path.join(options.dir, `broker-${id}`);
        fs.mkdirSync(dataDir, { recursive: true });
        const enospcFlagFile = path.join(options.dir, `disk-full-${id}`);
        const client = await proxy.listen(`http-${id}`, { host, port: httpPort });
        const env: Record<string, string> = {
          RUNNEL_HOST: host,
          RUNNEL_HTTP_PORT: String(httpPort),
          RUNNEL_DATA_DIR: dataDir,
          RUNNEL_TEST_ENOSPC_FLAG_FILE: enospcFlagFile,
          RUNNEL_OFFSETS_TOPIC_PARTITIONS: '3',
          RUNNEL_LOG_LEVEL: 'info',
          ...options.env,
        };
        if (options.mode === 'cluster') {
          const interBrokerPort = await freePort(host);
          const interBroker = await proxy.listen(label(id), { host, port: interBrokerPort });
          const pgUrl = new URL(options.metadataUrl!);
          const pg = await proxy.listen(
            'pg',
            { host: pgUrl.hostname, port: Number(pgUrl.port || 5432) },
            { host: '127.0.0.1', port: 0 },
            label(id),
          );
          pgUrl.hostname = pg.host;
          pgUrl.port = String(pg.port);
          Object.assign(env, {
            RUNNEL_METADATA_URL: pgUrl.toString(),
            RUNNEL_NODE_ID: String(id),
            RUNNEL_INTER_BROKER_PORT: String(interBrokerPort),
            RUNNEL_INTER_BROKER_ADVERTISED: `${interBroker.host}:${interBroker.port}`,
            RUNNEL_BROKER_LEASE_MS: '2000',
            RUNNEL_CONTROLLER_LEASE_MS: '2000',
            RUNNEL_BROKER_HEARTBEAT_MS: '300',
            RUNNEL_REPLICA_LAG_TIME_MAX_MS: '3000',
            RUNNEL_DEFAULT_REPLICATION_FACTOR: '3',
            // The suite stops all three at once: the last one has nowhere to move leadership to.
            RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS: '5000',
            ...options.env,
          });
        }
        nodes.push({
          id,
          host,
          httpPort,
          dataDir,
          enospcFlagFile,
          directUrl: `http://${host}:${httpPort}`,
          clientUrl: `http://${client.host}:${client.port}`,
          process: new NodeProcess({
            name: `broker ${id}`,
            args: [main],
            env,
            cwd: ROOT,
            logFile: path.join(options.dir, `broker-${id}.log`),
          }),
        });
      }
    } catch (error) {
      await proxy.close();
      throw error;
    }
    return new Cluster(options.mode, nodes, proxy);
  }

  get brokerIds(): number[] {
    return this.nodes.map((n) => n.id);
  }

  node(id: number): BrokerNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no broker ${id} in this cluster (${this.brokerIds.join(', ')})`);
    return node;
  }

  /** Every broker as clients see it (through the proxy), running or not: a dead broker is a failed request. */
  endpoints(): Endpoint[] {
    return this.nodes.map((n) => ({ broker: n.id, baseUrl: n.clientUrl }));
  }

  running(): BrokerNode[] {
    return this.nodes.filter((n) => n.process.running && !n.process.isPaused);
  }

  async startAll(deadlineMs: number): Promise<void> {
    await Promise.all(this.nodes.filter((n) => !n.process.running).map((n) => n.process.start(deadlineMs)));
  }

  /** Stops every broker cleanly (SIGTERM, then SIGKILL after the deadline); answers the ids that needed SIGKILL. */
  async stopAll(deadlineMs: number): Promise<number[]> {
    const results = await Promise.all(this.nodes.map(async (n) => ((await n.process.stop(deadlineMs)) ? undefined : n.id)));
    return results.filter((id): id is number => id !== undefined);
  }

  /** kill -9 of every broker still running (failure paths). */
  async killAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.process.crash()));
  }

  async close(): Promise<void> {
    await this.killAll();
    this.admin.close();
    await this.proxy.close();
  }

  /** Asks the running brokers, in turn, for a partition's replicas; the first answer wins. */
  async replicas(topic: string, partition: number): Promise<ReplicaState[]> {
    let last: unknown = new Error('no broker is running');
    for (const node of this.running()) {
      try {
        return await this.cluster(node, topic, partition);
      } catch (error) {
        last = error;
      }
    }
    throw last;
  }

  private cluster(node: BrokerNode, topic: string, partition: number): Promise<ReplicaState[]> {
    return this.admin.replicas(node.directUrl, topic, partition);
  }

  /** The current leader of a partition, waiting (up to the deadline) while there is none. */
  async leaderOf(topic: string, partition: number, deadlineMs: number): Promise<number> {
    return waitFor(
      `a leader for ${topic}-${partition}`,
      deadlineMs,
      async () => (await this.replicas(topic, partition)).find((r) => r.isLeader)?.brokerId,
    );
  }

  /** Creates the run's topic through any running broker, retrying while the cluster is forming. */
  async createTopic(topic: string, partitions: number, replicationFactor: number, minInsync: number, deadlineMs: number): Promise<void> {
    let turn = 0;
    await waitFor(`topic ${topic} created`, deadlineMs, async () => {
      const nodes = this.running();
      const node = nodes[turn++ % Math.max(1, nodes.length)];
      if (!node) throw new Error('no broker is running');
      await this.admin.createTopic(node.directUrl, topic, partitions, replicationFactor, minInsync);
      return true;
    });
  }

  /**
   * Waits until every broker runs and, as every running broker answers, every partition of the
   * topic has a leader and all `replicationFactor` replicas in sync.
   */
  async waitFullyReplicated(topic: string, partitions: number, replicationFactor: number, deadlineMs: number): Promise<void> {
    await waitFor(
      `${topic}: every partition led with ${replicationFactor} in-sync replicas on every broker`,
      deadlineMs,
      async () => {
        const down = this.nodes.filter((n) => !n.process.running || n.process.isPaused).map((n) => n.id);
        if (down.length > 0) throw new Error(`brokers ${down.join(', ')} are not running`);
        for (const node of this.nodes) {
          for (let p = 0; p < partitions; p++) {
            const replicas = await this.cluster(node, topic, p);
            const inSync = replicas.filter((r) => r.inSync).length;
            if (!replicas.some((r) => r.isLeader) || replicas.length !== replicationFactor || inSync !== replicationFactor) {
              throw new Error(`broker ${node.id} sees ${topic}-${p} as ${JSON.stringify(replicas)}`);
            }
          }
        }
        return true;
      },
      250,
    );
  }

  /** Output tails of every broker, for a failure message. */
  describeOutputs(lines = 15): string {
    return this.nodes
      .map((n) => `--- broker ${n.id} (${n.process.running ? `pid ${n.process.pid}` : 'not running'}) ---\n${n.process.outputTail(lines)}`)
      .join('\n');
  }
}
