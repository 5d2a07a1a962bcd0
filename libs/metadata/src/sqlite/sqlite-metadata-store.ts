import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from '../generated/sqlite/client';
import { MetadataWriteError } from '../metadata-store';
import { MetadataDb, PrismaMetadataStore, WriteOptions, isRefusal } from '../prisma-metadata-store';
import { applySqliteMigrations } from './migrate';

/**
 * MetadataStore on an embedded SQLite file (`<data dir>/meta.db`), migrated on open. The queries
 * are PrismaMetadataStore's; this class owns the connection. A single node has no change log:
 * the changes each write names are dropped.
 *
 * A write that fails for an operating reason (SQLITE_FULL on a full disk, I/O errors) throws
 * MetadataWriteError and replaces the connection: when SQLite's COMMIT fails, Prisma takes the
 * transaction as committed and never releases the better-sqlite3 adapter's transaction mutex
 * (nor rolls back), so every later write on that client would wait forever. Closing the
 * connection rolls the failed transaction back; the next write uses a fresh one.
 */
export class SqliteMetadataStore extends PrismaMetadataStore {
  private constructor(
    private readonly dbFile: string,
    private prisma: PrismaClient,
  ) {
    super();
  }

  static async open(dbFile: string): Promise<SqliteMetadataStore> {
    applySqliteMigrations(dbFile);
    const prisma = SqliteMetadataStore.connect(dbFile);
    await prisma.$connect();
    return new SqliteMetadataStore(dbFile, prisma);
  }

  private static connect(dbFile: string): PrismaClient {
    return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: `file:${dbFile}` }) });
  }

  protected get db(): MetadataDb {
    return this.prisma;
  }

  /** Runs a write; an unexpected failure replaces the connection (see above) and is rethrown typed. */
  protected async write<T>(operation: string, run: (db: MetadataDb) => Promise<T>, options: WriteOptions<T>): Promise<T> {
    try {
      // One statement is atomic by itself; more go in a transaction (which holds the adapter's mutex).
      return options.singleStatement ? await run(this.prisma) : await this.prisma.$transaction((tx) => run(tx));
    } catch (error) {
      if (isRefusal(error)) throw error;
      const broken = this.prisma;
      this.prisma = SqliteMetadataStore.connect(this.dbFile);
      await broken.$disconnect().catch(() => undefined);
      throw new MetadataWriteError(operation, error);
    }
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
  }
}
