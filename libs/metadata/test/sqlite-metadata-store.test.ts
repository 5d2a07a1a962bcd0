import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetadataStore, applySqliteMigrations } from '@runnel/metadata';
import { metadataStoreCases } from './metadata-store-cases';

describe('SqliteMetadataStore (real SQLite file)', () => {
  let dir: string;
  let dbFile: string;
  let store: SqliteMetadataStore;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-meta-'));
    dbFile = path.join(dir, 'meta.db');
    store = await SqliteMetadataStore.open(dbFile);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  metadataStoreCases({
    store: () => store,
    reopen: async () => {
      await store.close();
      store = await SqliteMetadataStore.open(dbFile);
      return store;
    },
  });

  it('applies each migration once and records it as Prisma does', () => {
    expect(applySqliteMigrations(dbFile)).toEqual([]);
    const db = new Database(dbFile, { readonly: true });
    const rows = db.prepare('SELECT migration_name FROM _prisma_migrations').all();
    db.close();
    expect(rows).toEqual([
      { migration_name: '20261122000000_init' },
      { migration_name: '20261205000000_dynamic_broker_configs' },
      { migration_name: '20261206000000_security' },
      { migration_name: '20261207000000_audit_filters' },
      { migration_name: '20261208000000_cluster' },
    ]);
  });
});
