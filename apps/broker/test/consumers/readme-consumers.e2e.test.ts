import { spawn } from 'node:child_process';
import { createTopic, produce } from '../groups/group-support';
import { mismatches, parseDocumented, readmeSection, shellExamples } from '../readme/readme-examples';
import { BrokerProcess, startBroker } from '../support/broker-process';

/**
 * README "HTTP consumer groups (no WebSocket)", run literally with bash and curl against a real
 * broker (only the base URL changes): every curl must answer 2xx without an error body, and a
 * command with a documented answer (`# → ...`) must answer it.
 */
const README_BASE = 'http://localhost:8080';
const STATUS = '@@status ';

describe('README: HTTP consumer groups (no WebSocket)', () => {
  let broker: BrokerProcess;
  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker?.stop();
  });

  it('runs the walk-through: create, subscribe, poll, commit, delete', async () => {
    await createTopic(broker, 'orders', 1);
    await produce(broker, 'orders', 0, ['{"id":0}', '{"id":1}', '{"id":2}']);
    const examples = shellExamples(readmeSection('HTTP consumer groups (no WebSocket)'));
    expect(examples.length).toBeGreaterThanOrEqual(8);
    const problems: string[] = [];
    for (const example of examples) {
      const script = [...example.assignments, example.command].join('\n').split(README_BASE).join(broker.baseUrl);
      const { code, stdout } = await bash(script.replace(/\bcurl -s\b/g, `curl -s -w '\\n${STATUS}%{http_code}'`));
      const [body, status] = stdout.split(`\n${STATUS}`);
      if (code !== 0 || !/^2\d\d$/.test(status ?? '')) problems.push(`${example.command}\n  → exit ${code}, HTTP ${status}: ${body}`);
      if (example.documented !== undefined) {
        const documented = example.documented.split(README_BASE).join(broker.baseUrl);
        problems.push(...mismatches(parseDocumented(documented), JSON.parse(body)).map((p) => `${example.command}\n  → ${p}`));
      }
    }
    expect(problems).toEqual([]);
    // The last command deleted the instance; its commit stays with the group.
    const gone = await fetch(`${broker.baseUrl}/consumers/billing/instances/c1/assignments`);
    expect(gone.status).toBe(404);
  });
});

function bash(script: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout });
    });
  });
}
