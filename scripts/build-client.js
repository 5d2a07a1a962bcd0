#!/usr/bin/env node
'use strict';
/**
 * Builds the @runnel/client package (libs/client/dist): tsc compiles libs/client/src and the
 * libs/protocol/src it imports, with declarations, into dist/client/src and dist/protocol/src.
 * Inside the repo `@runnel/protocol` is a tsconfig path alias, which tsc does not rewrite; here
 * every such import in the emitted .js and .d.ts files becomes a relative path into
 * dist/protocol, so the package needs nothing from the repo once built (npm pack, or an install
 * from the libs/client directory). Runs in `npm install` (postinstall) and `npm pack`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const PACKAGE = path.join(ROOT, 'libs/client');
const DIST = path.join(PACKAGE, 'dist');
/** Repo aliases the client may import, and where their compiled code lands in dist/. */
const BUNDLED = { '@runnel/protocol': path.join(DIST, 'protocol/src') };
const SPECIFIER = /(["'])(@runnel\/[a-z-]+)((?:\/[^"']*)?)\1/g;

function emittedFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return emittedFiles(file);
    return /\.(js|d\.ts)$/.test(entry.name) ? [file] : [];
  });
}

function rewriteAliases(file) {
  const text = fs.readFileSync(file, 'utf8');
  const rewritten = text.replace(SPECIFIER, (match, quote, name, subpath) => {
    const target = BUNDLED[name];
    if (!target) throw new Error(`${path.relative(ROOT, file)} imports ${name}, which the client package does not bundle`);
    let relative = path.relative(path.dirname(file), path.join(target, subpath)).split(path.sep).join('/');
    if (!relative.startsWith('.')) relative = `./${relative}`;
    return `${quote}${relative}${quote}`;
  });
  if (rewritten !== text) fs.writeFileSync(file, rewritten);
}

function buildClient() {
  fs.rmSync(DIST, { recursive: true, force: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(PACKAGE, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) return result.status ?? 1;
  for (const file of emittedFiles(DIST)) rewriteAliases(file);
  return 0;
}

module.exports = { buildClient };

if (require.main === module) {
  const code = buildClient();
  if (code !== 0) console.error(`build-client: tsc failed (exit ${code})`);
  process.exitCode = code;
}
