#!/usr/bin/env node
'use strict';
/**
 * Builds the broker (`nest build broker` into dist/) and the console (`next build apps/console`
 * into apps/console/.next) and records when: after a successful build it writes a stamp
 * (dist/.build-stamp, apps/console/.next/.build-stamp) with the build's start time as its mtime,
 * so a source saved while the build ran still counts as newer. `npm start` (scripts/start.js)
 * rebuilds a part only when one of its inputs is newer than its stamp, or its output is missing.
 *
 *   node scripts/build.js                      build both now (npm run build)
 *   node scripts/build.js --if-stale           build each part only when an input changed
 *   node scripts/build.js --broker | --console one part only
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
const CONSOLE = path.join(ROOT, 'apps/console');
const CONSOLE_STAMP = path.join(CONSOLE, '.next/.build-stamp');
const CONSOLE_BUILD_ID = path.join(CONSOLE, '.next/BUILD_ID');
/** The console's inputs: everything under apps/console except its build output and tests. */
const CONSOLE_INPUTS = ['app', 'components', 'lib', 'public', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'server.js'].map(
  (p) => path.join('apps/console', p),
);

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
function newestInput(inputs = [...INPUT_DIRS, ...INPUT_FILES]) {
  let newest = { file: '', mtimeMs: 0 };
  const visit = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.mtimeMs > newest.mtimeMs) newest = { file, mtimeMs: stat.mtimeMs };
    if (stat.isDirectory()) for (const entry of fs.readdirSync(file)) visit(path.join(file, entry));
  };
  for (const input of inputs) visit(path.join(ROOT, input));
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

/** Why the console needs a build, or null when apps/console/.next is current. */
function consoleStaleReason() {
  const stamp = fs.statSync(CONSOLE_STAMP, { throwIfNoEntry: false });
  if (!stamp) return 'no previous build';
  if (!fs.existsSync(CONSOLE_BUILD_ID)) return 'apps/console/.next/BUILD_ID is missing';
  const newest = newestInput([...CONSOLE_INPUTS, 'package.json']);
  if (newest.mtimeMs > stamp.mtimeMs) return `${path.relative(ROOT, newest.file)} changed`;
  return null;
}

/** Runs a build command; after success writes the stamp dated at the build's start. */
function run(args, stamp) {
  const startedAt = new Date();
  const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.error) throw result.error;
  const code = result.status ?? 1;
  if (code !== 0) return code;
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, `built by scripts/build.js at ${startedAt.toISOString()}\n`);
  fs.utimesSync(stamp, startedAt, startedAt);
  return 0;
}

/** Runs `nest build broker`; returns its exit code (0 on success, stamp written). */
function build() {
  return run([require.resolve('@nestjs/cli/bin/nest.js', { paths: [ROOT] }), 'build', 'broker'], STAMP);
}

/** Runs `next build apps/console` (type-checks the console too). */
function buildConsole() {
  return run([require.resolve('next/dist/bin/next', { paths: [ROOT] }), 'build', 'apps/console'], CONSOLE_STAMP);
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

function buildConsoleIfStale() {
  const reason = consoleStaleReason();
  if (reason === null) {
    console.log('runnel: console build is current (apps/console/.next), not rebuilding');
    return 0;
  }
  console.log(`runnel: building the console (${reason})`);
  return buildConsole();
}

module.exports = { build, buildIfStale, buildConsole, buildConsoleIfStale, staleReason, consoleStaleReason, MAIN, STAMP, CONSOLE };

if (require.main === module) {
  const ifStale = process.argv.includes('--if-stale');
  const only = process.argv.includes('--broker') ? 'broker' : process.argv.includes('--console') ? 'console' : 'both';
  let code = 0;
  if (only !== 'console') code = ifStale ? buildIfStale() : build();
  if (code === 0 && only !== 'broker') code = ifStale ? buildConsoleIfStale() : buildConsole();
  process.exitCode = code;
}
