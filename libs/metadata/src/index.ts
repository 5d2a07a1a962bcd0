export * from './metadata-store';
export { SqliteMetadataStore } from './sqlite/sqlite-metadata-store';
export { applySqliteMigrations } from './sqlite/migrate';
