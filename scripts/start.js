#!/usr/bin/env node
'use strict';
/**
 * `npm start`: builds the broker and the console only when their sources changed since the last
 * build (scripts/build.js), then runs dist/apps/broker/src/main.js as this process's child and,
 * once the broker listens, the console (apps/console/server.js, on RUNNEL_CONSOLE_PORT, default
 * 3000, talking to this broker unless RUNNEL_BROKER_URL names another; RUNNEL_CONSOLE=off starts
 * the broker alone). It stays the only signaller of both:
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
 * - The console stops with the broker. A console that fails is reported and leaves the broker
 *   running (the API does not depend on it).
 */
const { spawn } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const { buildIfStale, buildConsoleIfStale, MAIN, CONSOLE } = require('./build');

const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const DUPLICATE_WINDOW_MS = 1000;

const consoleWanted = (process.env.RUNNEL_CONSOLE ?? 'on') !== 'off';
if (!['on', 'off', undefined].includes(process.env.RUNNEL_CONSOLE)) {
  console.error(`runnel: RUNNEL_CONSOLE must be on or off, got '${process.env.RUNNEL_CONSOLE}'`);
  process.exit(2);
}

const buildCode = buildIfStale();
if (buildCode !== 0) {
  console.error(`runnel: build failed (exit ${buildCode}); not starting the broker`);
  process.exit(buildCode);
}
const consoleBuildCode = consoleWanted ? buildConsoleIfStale() : 0;
if (consoleBuildCode !== 0) {
  console.error(`runnel: console build failed (exit ${consoleBuildCode}); not starting (RUNNEL_CONSOLE=off starts the broker alone)`);
  process.exit(consoleBuildCode);
}

const broker = spawn(process.execPath, [...process.execArgv, MAIN, ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  detached: true, // its own process group: only this script signals it
});

/** The console, started once the broker says where it listens. */
let consoleProcess;
let brokerOutput = '';
broker.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!consoleWanted || consoleProcess || brokerOutput === null) return;
  brokerOutput += chunk.toString();
  const listening = /runnel broker listening on (https?):\/\/([^:\s]+):(\d+)/.exec(brokerOutput);
  if (listening) {
    brokerOutput = null;
    startConsole(listening[1], listening[2], listening[3]);
  } else if (brokerOutput.length > 1_000_000) brokerOutput = brokerOutput.slice(-10_000);
});

function startConsole(scheme, host, port) {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  env.RUNNEL_BROKER_URL ??= `${scheme}://${reachable}:${port}`;
  // A broker with its own TLS CA: the console trusts that CA when it calls the broker.
  if (scheme === 'https' && process.env.RUNNEL_TLS_CA && !process.env.NODE_EXTRA_CA_CERTS)
    env.NODE_EXTRA_CA_CERTS = process.env.RUNNEL_TLS_CA;
  consoleProcess = spawn(process.execPath, [path.join(CONSOLE, 'server.js')], {
    cwd: CONSOLE,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let announced = false;
  consoleProcess.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    const listening = !announced && /runnel console listening on (\S+)/.exec(chunk.toString());
    if (listening) {
      announced = true;
      console.log(`runnel: console on ${listening[1]} (broker ${env.RUNNEL_BROKER_URL})`);
    }
  });
  consoleProcess.once('error', (error) => console.error(`runnel: could not start the console: ${error.message}`));
  consoleProcess.once('exit', (code, signal) => {
    if (broker.exitCode === null && broker.signalCode === null) {
      console.error(`runnel: the console stopped (${signal ?? `exit ${code}`}); the broker keeps running`);
    }
  });
}

function consoleRunning() {
  return consoleProcess !== undefined && consoleProcess.exitCode === null && consoleProcess.signalCode === null;
}

let lastForwardedAt = 0;
for (const signal of FORWARDED) {
  process.on(signal, () => {
    const now = Date.now();
    if (now - lastForwardedAt < DUPLICATE_WINDOW_MS) return;
    lastForwardedAt = now;
    if (broker.exitCode === null && broker.signalCode === null) broker.kill(signal === 'SIGHUP' ? 'SIGTERM' : signal);
    if (consoleRunning()) consoleProcess.kill('SIGTERM');
  });
}

broker.once('error', (error) => {
  console.error(`runnel: could not start the broker: ${error.message}`);
  process.exit(1);
});

broker.once('exit', (code, signal) => {
  // A broker killed by a signal exits this script "by" that signal's conventional code.
  const exitCode = code ?? 128 + (signal ? os.constants.signals[signal] : 0);
  if (!consoleRunning()) process.exit(exitCode);
  consoleProcess.once('exit', () => process.exit(exitCode));
  consoleProcess.kill('SIGTERM');
});
