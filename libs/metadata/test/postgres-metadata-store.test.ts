import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  MetadataStore,
  MetadataWriteError,
  PostgresMetadataStore,
  SqliteMetadataStore,
  TopicExistsError,
  TopicNotFoundError,
  UserExistsError,
  applyPostgresMigrations,
  openMetadataStore,
} from '@runnel/metadata';
import { metadataStoreCases } from './metadata-store-cases';
import { TestPostgres, startTestPostgres } from './support/postgres';

jest.setTimeout(60_000);

interface ChangeRow {
  seq: number;
  kind: string;
  subject: string;
  payload: unknown;
}

async function changeLog(url: string): Promise<ChangeRow[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ seq: number; kind: string; subject: string; payload: string }>(
      'SELECT seq, kind, subject, payload FROM metadata_change ORDER BY seq',
    );
    return rows.map((row) => ({ seq: row.seq, kind: row.kind, subject: row.subject, payload: JSON.parse(row.payload) as unknown }));
  } finally {
    await client.end();
  }
}

/** Polls `condition` until it holds; fails after a deadline generous enough for a loaded machine. */
async function waitFor(condition: () => Promise<boolean>, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const topic = (name: string, partitionsCount = 1) => ({
  name,
  topicId: `id-${name}`,
  partitionsCount,
  replicationFactor: 1,
  isInternal: false,
  configs: {},
});
const partitions = (topicName: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({
    topicName,
    partitionId: from + i,
    leader: 0,
    leaderEpoch: 0,
    partitionEpoch: 0,
    replicas: [0],
    isr: [0],
  }));

/**
 * A TCP proxy in front of PostgreSQL whose link can be cut (every connection reset, new ones
 * refused, as when the server is down) and healed on the same port.
 */
class CuttableLink {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.resetAndDestroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  urlFor(url: string): string {
    const parsed = new URL(url);
    parsed.host = `127.0.0.1:${this.port}`;
    return parsed.toString();
  }
}

describe('PostgresMetadataStore (real PostgreSQL)', () => {
  let pg: TestPostgres;
  let url: string;
  let store: PostgresMetadataStore;
  const extraStores: MetadataStore[] = [];

  beforeAll(async () => {
    pg = await startTestPostgres();
  });
  afterAll(async () => {
    await pg?.stop();
  });
  beforeEach(async () => {
    url = await pg.database();
    store = await PostgresMetadataStore.open(url);
  });
  afterEach(async () => {
    await store.close();
    for (const extra of extraStores.splice(0)) await extra.close().catch(() => undefined);
  });

  describe('the behaviours every store has', () => {
    metadataStoreCases({
      store: () => store,
      reopen: async () => {
        await store.close();
        store = await PostgresMetadataStore.open(url);
        return store;
      },
    });
  });

  it('migrates a database once, however many stores open it', async () => {
    const second = await PostgresMetadataStore.open(url);
    extraStores.push(second);
    expect(await applyPostgresMigrations(url)).toEqual([]);
  });

  it('appends one change per write, in commit order, naming what changed and never a secret', async () => {
    await store.createTopic(topic('orders', 2), partitions('orders', 0, 2));
    await store.alterTopicConfigs('orders', { 'retention.ms': '1000' }, []);
    await store.addPartitions('orders', partitions('orders', 2, 3));
    await store.deleteTopic('orders');
    await store.alterDynamicBrokerConfigs(1, { 'log.retention.ms': '5' }, []);
    await store.alterDynamicBrokerConfigs('default', { 'compression.type': 'lz4' }, []);
    await store.createUser('alice', [{ mechanism: 'SCRAM-SHA-256', salt: 's', storedKey: 'sk', serverKey: 'vk', iterations: 4096 }]);
    await store.setCredentials('alice', [{ mechanism: 'SCRAM-SHA-512', salt: 's', storedKey: 'sk', serverKey: 'vk', iterations: 4096 }]);
    await store.createApiKey({ keyId: 'k1', userName: 'alice', secretHash: 'secret-hash', expiresAt: null });
    await store.createApiKey({ keyId: 'k2', userName: 'alice', secretHash: 'secret-hash', expiresAt: null });
    await store.deleteApiKey('k1');
    const [acl] = await store.createAcls([
      {
        resourceType: 'TOPIC',
        resourceName: 'orders',
        patternType: 'LITERAL',
        principal: 'User:alice',
        host: '*',
        operation: 'READ',
        permission: 'ALLOW',
      },
    ]);
    await store.deleteAcls([acl.id]);
    await store.alterQuotas({ user: 'alice', clientId: '' }, { producer_byte_rate: 1024 }, []);
    await store.deleteUser('alice');

    const log = await changeLog(url);
    expect(log.map((change) => change.seq)).toEqual(log.map((_, i) => i + 1));
    expect(log.map(({ kind, subject, payload }) => [kind, subject, payload])).toEqual([
      ['topic', 'orders', { op: 'created' }],
      ['topic', 'orders', { op: 'configs' }],
      ['topic', 'orders', { op: 'partitions', partitionsCount: 3 }],
      ['topic', 'orders', { op: 'deleted' }],
      ['broker-configs', '1', null],
      ['broker-configs', 'default', null],
      ['users', 'alice', { op: 'created' }],
      ['users', 'alice', { op: 'credentials' }],
      ['api-keys', 'k1', { op: 'created' }],
      ['api-keys', 'k2', { op: 'created' }],
      ['api-keys', 'k1', { op: 'deleted' }],
      ['acls', '', { op: 'created', ids: [acl.id] }],
      ['acls', '', { op: 'deleted', ids: [acl.id] }],
      ['quotas', '["alice",""]', { entity: { user: 'alice', clientId: '' } }],
      ['users', 'alice', { op: 'deleted' }],
      ['api-keys', 'k2', { op: 'deleted' }],
    ]);
    expect(JSON.stringify(log)).not.toContain('secret-hash');
  });

  it('appends nothing for refusals, no-op deletes and the audit log', async () => {
    await store.createTopic(topic('a'), partitions('a', 0, 1));
    await store.createUser('bob', []);
    const before = await changeLog(url);

    await expect(store.createTopic(topic('a'), partitions('a', 0, 1))).rejects.toBeInstanceOf(TopicExistsError);
    await expect(store.alterTopicConfigs('missing', { a: 'b' }, [])).rejects.toBeInstanceOf(TopicNotFoundError);
    await expect(store.createUser('bob', [])).rejects.toBeInstanceOf(UserExistsError);
    await expect(store.addPartitions('a', partitions('a', 0, 2))).rejects.toBeInstanceOf(MetadataWriteError);
    expect(await store.deleteTopic('missing')).toBe(false);
    expect(await store.deleteUser('nobody')).toBe(false);
    expect(await store.deleteApiKey('none')).toBe(false);
    expect(await store.deleteAcls([12345])).toEqual([]);
    await store.appendAudit([
      {
        principal: 'User:admin',
        source: '127.0.0.1',
        resource: 'TOPIC:a',
        operation: 'CREATE_TOPIC',
        outcome: 'SUCCESS',
        before: null,
        after: null,
      },
    ]);
    await store.trimAudit(new Date(0));

    expect(await changeLog(url)).toEqual(before);
    expect((await store.getTopic('a'))?.partitionsCount).toBe(1);
    expect(await store.listPartitions('a')).toHaveLength(1);
  });

  it("two stores on one database see each other's writes, and their changes share one dense log", async () => {
    const other = await PostgresMetadataStore.open(url);
    extraStores.push(other);
    expect(await other.clusterId()).toBe(await store.clusterId());

    await store.createTopic(topic('shared', 1), partitions('shared', 0, 1));
    expect((await other.getTopic('shared'))?.topicId).toBe('id-shared');
    await other.addPartitions('shared', partitions('shared', 1, 3));
    expect((await store.listPartitions('shared')).map((p) => p.partitionId)).toEqual([0, 1, 2]);
    await expect(other.createTopic(topic('shared'), partitions('shared', 0, 1))).rejects.toBeInstanceOf(TopicExistsError);

    // Concurrent writers from both stores: every write gets its own seq, none lost, none twice.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? store : other).alterDynamicBrokerConfigs(i, { 'log.retention.ms': String(i) }, []),
      ),
    );
    for (let i = 0; i < 20; i++)
      expect(await (i % 2 === 0 ? other : store).dynamicBrokerConfigs(i)).toEqual({ 'log.retention.ms': String(i) });
    const log = await changeLog(url);
    expect(log.map((change) => change.seq)).toEqual(log.map((_, i) => i + 1));
    expect(
      log
        .filter((change) => change.kind === 'broker-configs')
        .map((change) => Number(change.subject))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('answers MetadataWriteError while PostgreSQL is unreachable and works again once it is back', async () => {
    const link = new CuttableLink(pg.host, pg.port);
    await link.open();
    try {
      const linked = await PostgresMetadataStore.open(link.urlFor(url), { connectTimeoutMs: 2000 });
      extraStores.push(linked);
      await linked.createTopic(topic('before'), partitions('before', 0, 1));

      await link.cut();
      await expect(linked.createTopic(topic('during'), partitions('during', 0, 1))).rejects.toBeInstanceOf(MetadataWriteError);
      await expect(linked.alterDynamicBrokerConfigs(0, { a: 'b' }, [])).rejects.toBeInstanceOf(MetadataWriteError);
      await expect(linked.getTopic('before')).rejects.toThrow();

      await link.open();
      await linked.createTopic(topic('after'), partitions('after', 0, 1));
      expect((await linked.listTopics({ includeInternal: true, limit: 10 })).map((t) => t.name)).toEqual(['after', 'before']);
      // The failed writes left nothing behind, neither rows nor changes.
      expect((await changeLog(url)).map((change) => change.subject)).toEqual(['before', 'after']);
    } finally {
      await link.cut();
    }
  });

  it('a write whose connection dies mid-transaction costs no pool slot: with a pool of one the store works again, and closes', async () => {
    const link = new CuttableLink(pg.host, pg.port);
    await link.open();
    const locker = new Client({ connectionString: url });
    await locker.connect();
    try {
      const linked = await PostgresMetadataStore.open(link.urlFor(url), { poolSize: 1, connectTimeoutMs: 2000 });
      extraStores.push(linked);
      await linked.createTopic(topic('before'), partitions('before', 0, 1));

      // Hold the change-log head so the next write waits inside its transaction, then cut its connection there.
      await locker.query('BEGIN');
      await locker.query('SELECT seq FROM metadata_log_head WHERE id = 1 FOR UPDATE');
      const blocked = linked.createTopic(topic('cut'), partitions('cut', 0, 1));
      await waitFor(async () => {
        const { rows } = await locker.query<{ n: string }>(
          "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        );
        return Number(rows[0].n) === 1;
      });
      await link.cut();
      await expect(blocked).rejects.toBeInstanceOf(MetadataWriteError);
      await locker.query('ROLLBACK');

      await link.open();
      await linked.createTopic(topic('after'), partitions('after', 0, 1));
      await linked.createTopic(topic('after-2'), partitions('after-2', 0, 1));
      expect((await changeLog(url)).map((change) => change.subject)).toEqual(['before', 'after', 'after-2']);
      await linked.close();
    } finally {
      await locker.end().catch(() => undefined);
      await link.cut();
    }
  });

  it('keeps working across a PostgreSQL restart: a write during it succeeds or answers MetadataWriteError, atomically with its change', async () => {
    await store.alterDynamicBrokerConfigs(0, { n: '0' }, []);
    const acknowledged = new Set<number>([0]);
    let restarting = true;
    const restart = pg.restart().finally(() => {
      restarting = false;
    });
    const failures: unknown[] = [];
    for (let scope = 1; restarting && scope < 10_000; scope++) {
      try {
        await store.alterDynamicBrokerConfigs(scope, { n: String(scope) }, []);
        acknowledged.add(scope);
      } catch (error) {
        failures.push(error);
      }
    }
    await restart;
    expect(failures.filter((error) => !(error instanceof MetadataWriteError))).toEqual([]);

    // The first write after the restart may meet a connection the restart broke; it answers
    // MetadataWriteError at worst, and the pool replaces the connection. Bounded: the pool has 10.
    let afterRestart: unknown;
    for (let attempt = 0; attempt < 12; attempt++) {
      try {
        afterRestart = await store.alterDynamicBrokerConfigs('default', { after: 'restart' }, []);
        break;
      } catch (error) {
        expect(error).toBeInstanceOf(MetadataWriteError);
      }
    }
    expect(afterRestart).toEqual({ after: 'restart' });

    // Each write's rows and its change entry committed together or not at all.
    const changed = (await changeLog(url)).filter((change) => change.subject !== 'default').map((change) => Number(change.subject));
    for (const scope of acknowledged) expect(changed).toContain(scope);
    for (const scope of changed) expect(await store.dynamicBrokerConfigs(scope)).toEqual({ n: String(scope) });
  });

  it('openMetadataStore opens PostgreSQL for a postgres URL and the SQLite file otherwise', async () => {
    const cluster = await openMetadataStore({ url, sqliteFile: '/nonexistent/meta.db' });
    extraStores.push(cluster);
    expect(cluster).toBeInstanceOf(PostgresMetadataStore);
    expect(await cluster.clusterId()).toBe(await store.clusterId());

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-open-meta-'));
    try {
      const single = await openMetadataStore({ sqliteFile: path.join(dir, 'meta.db') });
      await single.close();
      expect(single).toBeInstanceOf(SqliteMetadataStore);
      const alsoSingle = await openMetadataStore({ url: '', sqliteFile: path.join(dir, 'meta.db') });
      await alsoSingle.close();
      expect(alsoSingle).toBeInstanceOf(SqliteMetadataStore);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
