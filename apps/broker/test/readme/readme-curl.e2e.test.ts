import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GROUP_ENV, Member, createTopic, eventually, produce, range, rest } from '../groups/group-support';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { ShellExample, mismatches, parseDocumented, readmeSection, shellExamples } from './readme-examples';

/**
 * README "Try it with curl", run literally with bash and curl against a real broker: the only
 * change is the base URL (the README's localhost:8080 becomes the test broker's port). Every
 * curl must answer 2xx without an error body, and a command with a documented answer
 * (`# → ...`) must answer those fields with those values.
 */
const README_BASE = 'http://localhost:8080';
const STATUS_MARK = '@@http_code ';
const COMMAND_DEADLINE_MS = 30_000;

interface Run {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

describe('README: Try it with curl', () => {
  let broker: BrokerProcess | undefined;
  let curlHome: string;

  beforeAll(() => {
    // curl reads $CURL_HOME/.curlrc: it makes every curl of the README print its HTTP status.
    curlHome = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-readme-curl-'));
    fs.writeFileSync(path.join(curlHome, '.curlrc'), `write-out = "\\n${STATUS_MARK}%{http_code}\\n"\n`);
  });
  afterAll(async () => {
    await broker?.stop();
    fs.rmSync(curlHome, { recursive: true, force: true });
  });

  it('finds the examples: commands in order, with their documented answers', () => {
    const examples = shellExamples(readmeSection('Try it with curl'));
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples[0].assignments).toEqual(['B=http://localhost:8080/v3/clusters/-']);
    expect(examples.filter((e) => e.documented !== undefined).length).toBeGreaterThanOrEqual(3);
    for (const example of examples) if (example.documented) expect(() => parseDocumented(example.documented!)).not.toThrow();
  });

  it('runs every command: each answers 2xx without an error body, and as documented', async () => {
    broker = await startBroker();
    const problems: string[] = [];
    for (const example of shellExamples(readmeSection('Try it with curl'))) {
      const run = await runExample(example, broker.baseUrl, curlHome);
      problems.push(...check(example, run).map((p) => `${example.command}\n  → ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it('runs the consumer-group commands against a group that has committed and left', async () => {
    const groups = await startBroker({ env: GROUP_ENV });
    try {
      await createTopic(groups, 'orders', 3);
      for (let p = 0; p < 3; p++) await produce(groups, 'orders', p, range(5));
      const member = await Member.join(groups, { group: 'billing', topic: 'orders', from: 'earliest', auto_commit: false });
      await member.untilOwns(3);
      expect(await member.commit([{ partition: 0, offset: 2 }])).toMatchObject({ type: 'committed' });
      member.close();
      await eventually(
        () => rest(groups, 'GET', '/consumer-groups/billing'),
        (r) => r.status === 200 && r.body.state === 'EMPTY',
      );
      const problems: string[] = [];
      const examples = shellExamples(readmeSection('Consumer groups'));
      expect(examples.length).toBeGreaterThanOrEqual(7);
      for (const example of examples) {
        const run = await runExample(example, groups.baseUrl, curlHome);
        problems.push(...check(example, run).map((p) => `${example.command}\n  → ${p}`));
      }
      expect(problems).toEqual([]);
      // The last command deleted the group.
      expect((await rest(groups, 'GET', '/consumer-groups/billing')).status).toBe(404);
    } finally {
      await groups.stop();
    }
  });
});

function runExample(example: ShellExample, baseUrl: string, curlHome: string): Promise<Run> {
  const script = ['set -o pipefail', ...example.assignments, example.command].join('\n').split(README_BASE).join(baseUrl);
  return new Promise((resolve) => {
    // cwd: a script may write files (e.g. `-o answer.json`); they land in the temp dir.
    const child = spawn('bash', ['-c', script], {
      cwd: curlHome,
      env: { ...process.env, CURL_HOME: curlHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A command that never ends (a stream without --max-time) is a README bug: stop it and say so.
    const deadline = setTimeout(() => {
      stderr += `\n(killed after ${COMMAND_DEADLINE_MS} ms: a README command must end by itself)`;
      child.kill('SIGKILL');
    }, COMMAND_DEADLINE_MS);
    child.once('close', (exitCode) => {
      clearTimeout(deadline);
      resolve({ exitCode, stdout, stderr });
    });
  });
}

function check(example: ShellExample, run: Run): string[] {
  if (example.script) return checkScript(run);
  const problems: string[] = [];
  // --max-time bounds a stream on purpose: curl then exits 28 after what it received.
  const okExit = run.exitCode === 0 || (run.exitCode === 28 && example.command.includes('--max-time'));
  if (!okExit) problems.push(`exit code ${run.exitCode}: ${run.stderr.trim().slice(-300)}`);
  const answers = splitAnswers(run.stdout);
  if (answers.length === 0) problems.push('no HTTP answer');
  for (const { status, body } of answers) {
    if (status < 200 || status > 299) problems.push(`HTTP ${status}: ${body}`);
    for (const line of body.split('\n')) {
      const value = parseJson(line.replace(/^data: /, ''));
      if (isErrorBody(value)) problems.push(`error body: ${line}`);
    }
  }
  if (example.documented !== undefined && answers.length > 0) {
    const body = answers[0].body.trim();
    const actual = parseJson(body) ?? parseJson(body.split('\n')[0]);
    problems.push(...mismatches(parseDocumented(example.documented), actual));
  }
  return problems;
}

/** A script (its own `-w` replaces the status mark): it must exit 0 and print no error body. */
function checkScript(run: Run): string[] {
  const problems: string[] = [];
  if (run.exitCode !== 0) problems.push(`exit code ${run.exitCode}: ${run.stderr.trim().slice(-300)}`);
  const printed = run.stdout.trim();
  if (printed === '') problems.push('printed nothing');
  for (const line of printed.split('\n')) {
    if (isErrorBody(parseJson(line.replace(/@@http_code \d+$/, '').trim()))) problems.push(`error body: ${line}`);
  }
  return problems;
}

function splitAnswers(stdout: string): { status: number; body: string }[] {
  const answers: { status: number; body: string }[] = [];
  let rest = stdout;
  for (;;) {
    const at = rest.indexOf(`\n${STATUS_MARK}`);
    if (at < 0) return answers;
    const end = rest.indexOf('\n', at + 1);
    answers.push({ status: Number(rest.slice(at + 1 + STATUS_MARK.length, end < 0 ? undefined : end)), body: rest.slice(0, at) });
    rest = end < 0 ? '' : rest.slice(end + 1);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isErrorBody(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const code = (value as { error_code?: unknown }).error_code;
  return typeof code === 'number' && code >= 400;
}
