import * as path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { patchPgNameColumns } from '../../libs/metadata/src/postgres/pg-name-columns';

// The CLI must see the datasource's env var on every call (STACK.md); the broker passes
// RUNNEL_METADATA_URL at run time and applies migrations itself.
process.env.RUNNEL_POSTGRES_URL ??= process.env.RUNNEL_METADATA_URL ?? 'postgresql://localhost:5432/runnel';
patchPgNameColumns();

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: async () => new PrismaPg({ connectionString: process.env.RUNNEL_POSTGRES_URL!, allowExitOnIdle: true }),
});
