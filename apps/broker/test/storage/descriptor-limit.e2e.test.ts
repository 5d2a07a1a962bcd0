import { ChildProcess, spawn } from 'node:child_process';
import * as path from 'node:path';
import { LogManager } from '@runnel/log';
import { SqliteMetadataStore } from '@runnel/metadata';
import { makeDataDir } from '../support/broker-process';

const MAIN = path.resolve(__dirname, '../../../../dist/apps/broker/src/main.js');
const TOPICS = 5000;

/** A data dir holding TOPICS one-partition topics (metadata and logs), written by the libraries. */
async function dataDirWithTopics(): Promise<string> {
  const dir = makeDataDir();
  const metadata = await SqliteMetadataStore.open(path.join(dir, 'meta.db'));
  const logs = await LogManager.open(dir, { maxOpenFiles: 128 });
  try {
    for (let start = 0; start < TOPICS; start += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async (_, k) => {
          const name = `topic-${start + k}`;
          await metadata.createTopic(
            { name, topicId: `id-${start + k}`, partitionsCount: 1, replicationFactor: 1, isInternal: false, configs: {} },
            [{ topicName: name, partitionId: 0, leader: 0, leaderEpoch: 0, partitionEpoch: 0, replicas: [0], isr: [0] }],
          );
          await logs.getOrCreate(name, 0); // an empty log: its directory and segment file
        }),
      );
    }
  } finally {
    await logs.close();
    await metadata.close();
  }
  return dir;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  /** The port once listening, or the exit code if the broker exited first, or 'deadline'. */
  outcome: Promise<{ port: number } | { exitCode: number | null } | 'deadline'>;
}

/** The built broker under `ulimit -n <limit>` (bash's ulimit: no extra tool needed). */
function startLimited(dataDir: string, limit: number, deadlineMs: number): Started {
  const child = spawn('bash', ['-c', `ulimit -n ${limit} && exec "$0" "$1"`, process.execPath, MAIN], {
    env: { ...process.env, RUNNEL_DATA_DIR: dataDir, RUNNEL_HTTP_PORT: '0', RUNNEL_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const outcome = new Promise<{ port: number } | { exitCode: number | null } | 'deadline'>((resolve) => {
    const timer = setTimeout(() => resolve('deadline'), deadlineMs);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ port: Number(match[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode });
    });
  });
  return { child, output: () => output, outcome };
}

async function stop(started: Started | undefined): Promise<void> {
  const child = started?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

describe('a descriptor limit of 1,024 (real broker process)', () => {
  let started: Started | undefined;
  afterEach(() => stop(started));

  it('starts and serves 5,000 topics, sizing its file handle cache from the limit', async () => {
    const dataDir = await dataDirWithTopics();
    started = startLimited(dataDir, 1024, 120_000);
    const outcome = await started.outcome;
    if (!(typeof outcome === 'object' && 'port' in outcome))
      throw new Error(`broker did not start (${JSON.stringify(outcome)}):\n${started.output()}`);
    expect(started.output()).toContain('logs use at most 768 file descriptors, not RUNNEL_MAX_OPEN_FILES=1024');
    const base = `http://127.0.0.1:${outcome.port}/v3/clusters/-`;
    // Every topic is served: write to and read back from a spread of them.
    for (let i = 0; i < TOPICS; i += 250) {
      const produced = await fetch(`${base}/topics/topic-${i}/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ value: { type: 'STRING', data: `hello ${i}` } }),
      });
      expect({ i, status: produced.status }).toEqual({ i, status: 200 });
    }
    for (let i = 0; i < TOPICS; i += 250) {
      const read = await fetch(`${base}/topics/topic-${i}/partitions/0/records?offset=0&format=string`);
      const body = (await read.json()) as { data: { value: { data: string } }[] };
      expect({ i, values: body.data.map((r) => r.value.data) }).toEqual({ i, values: [`hello ${i}`] });
    }
    const listed = await fetch(`${base}/topics?limit=1`);
    expect(listed.status).toBe(200);
  }, 240_000);

  it('refuses to start under a limit too small to run, naming the limit it needs', async () => {
    started = startLimited(makeDataDir(), 150, 60_000);
    const outcome = await started.outcome;
    expect(outcome).toEqual({ exitCode: 1 });
    expect(started.output()).toContain('the open files limit (ulimit -n) is 150; the broker needs at least 192');
  }, 90_000);
});
