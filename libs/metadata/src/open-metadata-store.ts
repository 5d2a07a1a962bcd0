import { MetadataStore } from './metadata-store';
import { PostgresMetadataStore } from './postgres/postgres-metadata-store';
import { SqliteMetadataStore } from './sqlite/sqlite-metadata-store';

export interface OpenMetadataStoreOptions {
  /** RUNNEL_METADATA_URL: a postgres:// or postgresql:// URL puts the broker in cluster mode. */
  url?: string;
  /** The embedded store's file (`<data dir>/meta.db`), used when `url` is not PostgreSQL. */
  sqliteFile: string;
}

/** Opens (and migrates) the metadata store the configuration names: PostgreSQL for a cluster, else the embedded SQLite file. */
export function openMetadataStore(options: OpenMetadataStoreOptions): Promise<MetadataStore> {
  if (options.url !== undefined && isPostgresUrl(options.url)) return PostgresMetadataStore.open(options.url);
  return SqliteMetadataStore.open(options.sqliteFile);
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
