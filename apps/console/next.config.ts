import type { NextConfig } from 'next';
import path from 'node:path';

const config: NextConfig = {
  // The monorepo root holds node_modules and the lockfile.
  outputFileTracingRoot: path.join(__dirname, '../..'),
  turbopack: { root: path.join(__dirname, '../..') },
  poweredByHeader: false,
  images: { unoptimized: true },
};

export default config;
