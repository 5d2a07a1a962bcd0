import { PrismaPg } from '@prisma/adapter-pg';
import { Pool, PoolClient } from 'pg';
import type * as Pg from '../generated/postgres/client';
import { PrismaClient } from '../generated/postgres/client';
import type * as Sqlite from '../generated/sqlite/client';
import { MetadataWriteError } from '../metadata-store';
import { MetadataDb, PrismaMetadataStore, WriteOptions, isRefusal } from '../prisma-metadata-store';
import { appendChanges } from './change-log';
import { applyPostgresMigrations } from './migrate';
import { patchPgNameColumns } from './pg-name-columns';

export interface PostgresMetadataStoreOptions {
  /** Connections in the pool (default 10): the store never holds more. */
  poolSize?: number;
  /** How long a call waits for a connection before failing (default 5000 ms; PostgreSQL unreachable). */
  connectTimeoutMs?: number;
  /** A connection the pool lost (PostgreSQL restarted, network cut); the pool replaces it by itself. */
  onConnectionError?: (error: Error) => void;
}

/** How long a write's transaction may wait for a connection and run (row locks of the change-log head included). */
const TRANSACTION_WAIT_MS = 5000;
const TRANSACTION_TIMEOUT_MS = 15_000;

/** One pool and the Prisma client over it; replaced whole after an operating failure. */
interface Connection {
  readonly prisma: PrismaClient;
  readonly pool: Pool;
  /** Every pg client the pool holds, idle or checked out. */
  readonly clients: Set<PoolClient>;
}

/**
 * MetadataStore on PostgreSQL, shared by the brokers of a cluster (RUNNEL_METADATA_URL). The
 * queries are PrismaMetadataStore's; this class owns the connections and the change log.
 *
 * Every write is one transaction that also appends what it changed to the metadata change log
 * (`appendChanges`), so a broker following the log sees each write exactly once, in commit order,
 * and a rolled-back write never. Refusals (TopicExistsError, ...) roll back and are rethrown as
 * they are; every other failure (PostgreSQL down, connection lost, transaction timeout) answers
 * MetadataWriteError. Reads fail with Prisma's error.
 *
 * After a failed write the pool is replaced, as the SQLite store replaces its connection: when a
 * transaction's connection dies (PostgreSQL restarted), Prisma 6.19's ROLLBACK fails and it never
 * returns that connection to the pool, so every such failure would shrink the pool by one until
 * the store wedged. The abandoned pool ends once its other work is done (bounded), so the first
 * write after PostgreSQL is back works.
 */
export class PostgresMetadataStore extends PrismaMetadataStore {
  private constructor(
    private readonly url: string,
    private readonly options: PostgresMetadataStoreOptions,
    private connection: Connection,
  ) {
    super();
  }

  /** Migrates the database (brokers starting together migrate once) and connects. */
  static async open(url: string, options: PostgresMetadataStoreOptions = {}): Promise<PostgresMetadataStore> {
    patchPgNameColumns();
    await applyPostgresMigrations(url);
    const connection = PostgresMetadataStore.connect(url, options);
    try {
      await connection.prisma.$connect();
    } catch (error) {
      await abandon(connection);
      throw error;
    }
    return new PostgresMetadataStore(url, options, connection);
  }

  private static connect(url: string, options: PostgresMetadataStoreOptions): Connection {
    const onError = options.onConnectionError ?? (() => undefined);
    const pool = new Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      keepAlive: true,
    });
    const clients = new Set<PoolClient>();
    pool.on('connect', (client) => clients.add(client));
    pool.on('remove', (client) => clients.delete(client));
    // Without these listeners a connection PostgreSQL drops while idle would be an unhandled 'error'.
    const adapter = new PrismaPg(pool, { onPoolError: onError, onConnectionError: onError });
    const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: TRANSACTION_WAIT_MS, timeout: TRANSACTION_TIMEOUT_MS } });
    return { prisma, pool, clients };
  }

  protected get db(): MetadataDb {
    return asMetadataDb(this.connection.prisma);
  }

  protected async write<T>(operation: string, run: (db: MetadataDb) => Promise<T>, options: WriteOptions<T>): Promise<T> {
    const connection = this.connection;
    try {
      return await connection.prisma.$transaction(async (tx) => {
        const result = await run(asMetadataDb(tx));
        await appendChanges(tx, options.changes(result));
        return result;
      });
    } catch (error) {
      if (isRefusal(error)) throw error;
      // Concurrent failures of one connection replace it once.
      if (this.connection === connection) {
        this.connection = PostgresMetadataStore.connect(this.url, this.options);
        void abandon(connection);
      }
      throw new MetadataWriteError(operation, error);
    }
  }

  async close(): Promise<void> {
    await abandon(this.connection);
  }
}

/**
 * Ends a connection: lets the work in flight finish (up to a transaction's timeout), then closes
 * whatever connections are left, including one Prisma never returned.
 */
async function abandon(connection: Connection): Promise<void> {
  const ended = Promise.all([connection.prisma.$disconnect().catch(() => undefined), connection.pool.end().catch(() => undefined)]);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, TRANSACTION_WAIT_MS + TRANSACTION_TIMEOUT_MS);
    timer.unref();
  });
  await Promise.race([ended, deadline]);
  clearTimeout(timer);
  // A client Prisma never released keeps pool.end() waiting: close its socket ourselves.
  for (const client of connection.clients) client.end().catch(() => undefined);
}

/**
 * The one conversion between the two generated clients (see MetadataDb): sound because both are
 * generated from the same models, which `ModelsAgree` checks at compile time, and the queries only
 * use options both providers have.
 */
function asMetadataDb(client: Pg.Prisma.TransactionClient): MetadataDb {
  return client as unknown as MetadataDb;
}

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type ModelsAgree = [
  Same<Pg.Cluster, Sqlite.Cluster>,
  Same<Pg.Topic, Sqlite.Topic>,
  Same<Pg.TopicConfig, Sqlite.TopicConfig>,
  Same<Pg.Partition, Sqlite.Partition>,
  Same<Pg.DynamicBrokerConfig, Sqlite.DynamicBrokerConfig>,
  Same<Pg.User, Sqlite.User>,
  Same<Pg.ScramCredential, Sqlite.ScramCredential>,
  Same<Pg.ApiKey, Sqlite.ApiKey>,
  Same<Pg.AclBinding, Sqlite.AclBinding>,
  Same<Pg.Quota, Sqlite.Quota>,
  Same<Pg.AuditEvent, Sqlite.AuditEvent>,
];
// Fails to compile when a model differs between the two generated clients.
const modelsAgree: ModelsAgree = [true, true, true, true, true, true, true, true, true, true, true];
void modelsAgree;
