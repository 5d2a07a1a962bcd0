import { PrismaPg } from '@prisma/adapter-pg';
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

/**
 * MetadataStore on PostgreSQL, shared by the brokers of a cluster (RUNNEL_METADATA_URL). The
 * queries are PrismaMetadataStore's; this class owns the pool and the change log.
 *
 * Every write is one transaction that also appends what it changed to the metadata change log
 * (`appendChanges`), so a broker following the log sees each write exactly once, in commit order,
 * and a rolled-back write never. Refusals (TopicExistsError, ...) roll back and are rethrown as
 * they are; every other failure (PostgreSQL down, connection lost, transaction timeout) rolls
 * back and answers MetadataWriteError. Reads fail with Prisma's error. Connections a failure broke
 * leave the pool, so the first call after PostgreSQL is back works again.
 */
export class PostgresMetadataStore extends PrismaMetadataStore {
  private constructor(private readonly prisma: PrismaClient) {
    super();
  }

  /** Migrates the database (brokers starting together migrate once) and connects. */
  static async open(url: string, options: PostgresMetadataStoreOptions = {}): Promise<PostgresMetadataStore> {
    patchPgNameColumns();
    await applyPostgresMigrations(url);
    const onError = options.onConnectionError ?? (() => undefined);
    const adapter = new PrismaPg(
      { connectionString: url, max: options.poolSize ?? 10, connectionTimeoutMillis: options.connectTimeoutMs ?? 5000, keepAlive: true },
      // Without these listeners a connection PostgreSQL drops while idle would be an unhandled 'error'.
      { onPoolError: onError, onConnectionError: onError },
    );
    const prisma = new PrismaClient({ adapter, transactionOptions: { maxWait: 5000, timeout: 15_000 } });
    await prisma.$connect();
    return new PostgresMetadataStore(prisma);
  }

  protected get db(): MetadataDb {
    return asMetadataDb(this.prisma);
  }

  protected async write<T>(operation: string, run: (db: MetadataDb) => Promise<T>, options: WriteOptions<T>): Promise<T> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const result = await run(asMetadataDb(tx));
        await appendChanges(tx, options.changes(result));
        return result;
      });
    } catch (error) {
      if (isRefusal(error)) throw error;
      throw new MetadataWriteError(operation, error);
    }
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }
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
