export * from './metadata-store';
export { SqliteMetadataStore } from './sqlite/sqlite-metadata-store';
export { applySqliteMigrations } from './sqlite/migrate';
export * from './cluster/cluster-store';
export { applyPostgresMigrations } from './postgres/migrate';
export { patchPgNameColumns } from './postgres/pg-name-columns';
