import * as net from 'node:net';
import { startTestPostgres, type TestPostgres } from '../../../../libs/metadata/test/support/postgres';
import { BrokerProcess, makeDataDir, startBroker } from './broker-process';

/**
 * A real cluster for end-to-end tests: one PostgreSQL (the shared test fixture) and `size`
 * broker processes (dist/), broker i+1 bound to 127.0.0.(i+1) with its own data dir, HTTP port
 * and inter-broker port. Short leases keep failover quick. Every process is stopped by its pid in
 * `stop()` (call it in afterAll), also when a test fails.
 */
export interface TestCluster {
  readonly pg: TestPostgres;
  readonly metadataUrl: string;
  /** By index; an entry is replaced by `restart(i)`. */
  readonly brokers: BrokerProcess[];
  /** The broker with this node id (1-based). */
  broker(nodeId: number): BrokerProcess;
  /** Starts broker `nodeId` again on its data dir (after a stop or kill -9). */
  restart(nodeId: number): Promise<BrokerProcess>;
  stop(): Promise<void>;
}

export const CLUSTER_TIMINGS = {
  RUNNEL_BROKER_LEASE_MS: '2000',
  RUNNEL_CONTROLLER_LEASE_MS: '2000',
  RUNNEL_BROKER_HEARTBEAT_MS: '250',
  RUNNEL_REPLICA_LAG_TIME_MAX_MS: '3000',
  RUNNEL_CONTROLLED_SHUTDOWN_TIMEOUT_MS: '10000',
};

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

export async function startCluster(size = 3, env: Record<string, string> = {}): Promise<TestCluster> {
  const pg = await startTestPostgres();
  const brokers: BrokerProcess[] = [];
  const settings: { dataDir: string; env: Record<string, string> }[] = [];
  try {
    const metadataUrl = await pg.database();
    for (let id = 1; id <= size; id++) {
      const host = `127.0.0.${id}`;
      settings.push({
        dataDir: makeDataDir(`runnel-cluster-${id}-`),
        env: {
          RUNNEL_METADATA_URL: metadataUrl,
          RUNNEL_NODE_ID: String(id),
          RUNNEL_HOST: host,
          RUNNEL_INTER_BROKER_PORT: String(await freePort(host)),
          ...CLUSTER_TIMINGS,
          ...env,
        },
      });
    }
    const started = await Promise.all(settings.map((s) => startBroker(s)));
    brokers.push(...started);
    const cluster: TestCluster = {
      pg,
      metadataUrl,
      brokers,
      broker: (nodeId) => brokers[nodeId - 1],
      restart: async (nodeId) => {
        const broker = await startBroker(settings[nodeId - 1]);
        brokers[nodeId - 1] = broker;
        return broker;
      },
      stop: async () => {
        await Promise.allSettled(brokers.map((b) => b.stop('SIGKILL')));
        await pg.stop();
      },
    };
    return cluster;
  } catch (error) {
    await Promise.allSettled(brokers.map((b) => b.stop('SIGKILL')));
    await pg.stop();
    throw error;
  }
}

/** Calls `probe` until it answers a value (not undefined) or `timeoutMs` passes; answers the value. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
