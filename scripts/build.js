#!/usr/bin/env node
'use strict';
/**
 * Builds the broker (`nest build broker` into dist/) and records when: after a successful build
 * it writes dist/.build-stamp with the build's start time as its mtime, so a source saved while
 * the build ran still counts as newer. `npm start` (scripts/start.js) rebuilds only when some
 * build input is newer than the stamp, or when the stamp or dist/apps/broker/src/main.js is missing.
 *
 *   node scripts/build.js            build now (npm run build)
 *   node scripts/build.js --if-stale build only when an input changed since the last build
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist/apps/broker/src/main.js');
const STAMP = path.join(ROOT, 'dist/.build-stamp');
/** What `nest build broker` reads: apps/broker/tsconfig.app.json includes these trees. */
const INPUT_DIRS = ['apps/broker/src', ...libSourceDirs()];
const INPUT_FILES = ['package.json', 'nest-cli.json', 'tsconfig.base.json', 'tsconfig.json', 'apps/broker/tsconfig.app.json'];

function libSourceDirs() {
  const libs = path.join(ROOT, 'libs');
  return fs
    .readdirSync(libs)
    .map((name) => `libs/${name}/src`)
    .filter((dir) => fs.existsSync(path.join(ROOT, dir)));
}

/**
 * The newest mtime (ms) among the build inputs, with the path that has it. Directories count too:
 * a directory's mtime changes when a file in it is added, deleted or renamed.
 */
function newestInput() {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.mtimeMs > newest.mtimeMs) newest = { file, mtimeMs: stat.mtimeMs };
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
  };
  for (const input of [...INPUT_DIRS, ...INPUT_FILES]) visit(path.join(ROOT, input));
  return newest;
}

/** Why a build is needed, or null when dist/ is current. */
function staleReason() {
  const stamp = fs.statSync(STAMP, { throwIfNoEntry: false });
  if (!stamp) return 'no previous build';
  if (!fs.existsSync(MAIN)) return `${path.relative(ROOT, MAIN)} is missing`;
  const newest = newestInput();
  if (newest.mtimeMs > stamp.mtimeMs) return `${path.relative(ROOT, newest.file)} changed`;
  return null;
}

/** Runs `nest build broker`; returns its exit code (0 on success, stamp written). */
function build() {
  const startedAt = new Date();
  const nest = require.resolve('@nestjs/cli/bin/nest.js', { paths: [ROOT] });
  const result = spawnSync(process.execPath, [nest, 'build', 'broker'], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  const code = result.status ?? 1;
  if (code !== 0) return code;
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, `built by scripts/build.js at ${startedAt.toISOString()}\n`);
  fs.utimesSync(STAMP, startedAt, startedAt);
  return 0;
}

/** Builds only when needed; returns 0 when dist/ is current afterwards. */
function buildIfStale() {
  const reason = staleReason();
  if (reason === null) {
    console.log('runnel: build is current (dist/.build-stamp), not rebuilding');
    return 0;
  }
  console.log(`runnel: building the broker (${reason})`);
  return build();
}

module.exports = { build, buildIfStale, staleReason, MAIN, STAMP };

if (require.main === module) {
  process.exitCode = process.argv.includes('--if-stale') ? buildIfStale() : build();
}
