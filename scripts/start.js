#!/usr/bin/env node
'use strict';
/**
 * `npm start`: builds the broker only when its sources changed since the last build
 * (scripts/build.js), then runs dist/apps/broker/src/main.js as this process's child and stays its
 * only signaller:
 *
 * - SIGTERM, SIGINT and SIGHUP sent to `npm start` reach the broker (npm forwards SIGTERM/SIGINT
 *   to its script's shell; the script is `exec node scripts/start.js`, so that shell is this
 *   process — without the exec, dash waits as a separate process, dies of the signal and leaves
 *   this script and the broker running under PID 1), and this script exits with the broker's exit
 *   code once the broker has shut down. Stopping what `npm start` started stops the broker.
 * - The broker runs in its own process group, so a Ctrl-C in a terminal (which signals the whole
 *   foreground group: npm, this script) reaches it once, through here, not twice — a second signal
 *   makes the broker exit at once without flushing. A signal repeated within a second is taken as
 *   that duplicate and not forwarded; a later one is (press Ctrl-C again to force an exit).
 * - Only a SIGKILL of this script (which nothing can forward) leaves the broker running.
 */
const { spawn } = require('node:child_process');
const os = require('node:os');
const { buildIfStale, MAIN } = require('./build');

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const DUPLICATE_WINDOW_MS = 1000;

const buildCode = buildIfStale();
if (buildCode !== 0) {
  console.error(`runnel: build failed (exit ${buildCode}); not starting the broker`);
  process.exit(buildCode);
}

const broker = spawn(process.execPath, [...process.execArgv, MAIN, ...process.argv.slice(2)], {
  stdio: ['ignore', 'inherit', 'inherit'],
  detached: true, // its own process group: only this script signals it
});

let lastForwardedAt = 0;
for (const signal of FORWARDED) {
  process.on(signal, () => {
    const now = Date.now();
    if (now - lastForwardedAt < DUPLICATE_WINDOW_MS) return;
    lastForwardedAt = now;
    if (broker.exitCode === null && broker.signalCode === null) broker.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
  });
}

broker.once('error', (error) => {
  console.error(`runnel: could not start the broker: ${error.message}`);
  process.exit(1);
});

broker.once('exit', (code, signal) => {
  // A broker killed by a signal exits this script "by" that signal's conventional code.
  process.exit(code ?? 128 + (signal ? os.constants.signals[signal] : 0));
});
