#!/usr/bin/env node
'use strict';
/**
 * Fails (exit 1) when a dependency needs a newer Node than Runnel supports. The supported floor is
 * the lowest version the root package.json's `engines.node` allows (the README states the same);
 * every package in package-lock.json — what `npm install` installs, including other platforms'
 * optional packages — must accept it in its own `engines.node`. npm only warns (EBADENGINE) on
 * install; CI runs this so such a dependency cannot land.
 *
 *   node scripts/check-engines.js [repo dir]
 */
const fs = require('node:fs');
const path = require('node:path');
const semver = require('semver');

function checkEngines(root) {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
  const supported = pkg.engines && pkg.engines.node;
  if (!supported || !semver.validRange(supported)) throw new Error(`package.json: engines.node "${supported}" is not a version range`);
  const floor = semver.minVersion(supported).version;
  const offenders = [];
  for (const [location, entry] of Object.entries(lock.packages ?? {})) {
    if (location === '' || entry.link) continue;
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (typeof range !== 'string') continue;
    if (!semver.satisfies(floor, range, { includePrerelease: true })) {
      offenders.push(`${location.replace(/^.*node_modules\//, '')}@${entry.version} requires node ${range} (${location})`);
    }
  }
  return { floor, supported, offenders };
}

module.exports = { checkEngines };

if (require.main === module) {
  const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
  const { floor, supported, offenders } = checkEngines(root);
  if (offenders.length > 0) {
    console.error(
      `check-engines: ${offenders.length} package(s) exclude Node ${floor}, the lowest version engines.node "${supported}" allows:`,
    );
    for (const line of offenders) console.error(`  ${line}`);
    process.exit(1);
  }
  console.log(`check-engines: every package in package-lock.json accepts Node ${floor} (engines.node "${supported}")`);
}
