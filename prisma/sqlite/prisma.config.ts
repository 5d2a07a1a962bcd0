import * as os from 'node:os';
import * as path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';

// The CLI must see the datasource's env var on every call, or it falls back to the native engine
// and tries a download (STACK.md). The broker passes its own meta.db path at run time.
process.env.RUNNEL_SQLITE_URL ??= `file:${path.join(os.tmpdir(), 'runnel-prisma-cli.db')}`;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: async () => new PrismaBetterSQLite3({ url: process.env.RUNNEL_SQLITE_URL! }),
});
