import { Client } from 'pg';
import { applyPostgresMigrations } from '../../src/postgres/migrate';
import { patchPgNameColumns } from '../../src/postgres/pg-name-columns';
import type { TestPostgres } from '../support/postgres';

let counter = 0;

/**
 * Fresh migrated databases, fast: the migrations run once into a template database, and each
 * `next()` is `CREATE DATABASE … TEMPLATE` (a file copy) instead of a migration per test.
 */
export async function migratedDatabases(pg: TestPostgres): Promise<{ next(): Promise<string> }> {
  patchPgNameColumns();
  const templateUrl = await pg.database();
  await applyPostgresMigrations(templateUrl);
  const template = new URL(templateUrl).pathname.slice(1);
  return {
    async next() {
      const name = `${template}_${++counter}`;
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      } finally {
        await client.end();
      }
      const url = new URL(pg.url);
      url.pathname = `/${name}`;
      return url.toString();
    },
  };
}
