#!/usr/bin/env node
'use strict';
/**
 * `npm test`'s jest part: the unit and end-to-end projects, then the scale project, then the
 * `alone` project, each run after the other, then the cluster fault suite (scripts/faults). Scale tests load the machine by design (10,000
 * topics, thousands of descriptors). The `alone` tests stop a broker (SIGSTOP) and judge what it
 * did meanwhile: in whole-suite runs the group-session one saw its member silenced without the
 * broker seeing itself paused — an interaction with some other test not yet found (it passes
 * alone and beside any few of them) — so they run with the machine to themselves. Arguments go
 * to every run; a `--outputFile=<f>` JSON report (with `--json`) is written once, summing them.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const args = process.argv.slice(2);
const outputArg = args.find((a) => a.startsWith('--outputFile='));
const passThrough = args.filter((a) => a !== outputArg);
const jest = require.resolve('jest/bin/jest');
const runs = [['unit', 'e2e'], ['scale'], ['alone']];

let status = 0;
const reports = [];
for (const projects of runs) {
  const report = outputArg ? path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-jest-')), 'report.json') : undefined;
  const result = spawnSync(
    process.execPath,
    [jest, '--selectProjects', ...projects, '--passWithNoTests', ...passThrough, ...(report ? [`--outputFile=${report}`] : [])],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) status = result.status ?? 1;
  if (report && fs.existsSync(report)) reports.push(JSON.parse(fs.readFileSync(report, 'utf8')));
}

// The cluster fault suite (`npm run test:faults`): three real brokers and PostgreSQL under kill -9,
// SIGSTOP, partitions, PostgreSQL restarts and a full disk; it prints its own summary.
const faults = spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(__dirname, 'faults', 'run.ts')], { stdio: 'inherit' });
if (faults.status !== 0) status = faults.status ?? 1;

if (outputArg) {
  const sum = (key) => reports.reduce((total, r) => total + (r[key] ?? 0), 0);
  const merged = {
    success: status === 0 && reports.every((r) => r.success),
    testResults: reports.flatMap((r) => r.testResults ?? []),
  };
  for (const key of Object.keys(reports[0] ?? {})) if (typeof reports[0][key] === 'number') merged[key] = sum(key);
  fs.writeFileSync(outputArg.slice('--outputFile='.length), JSON.stringify(merged));
}
process.exit(status);
