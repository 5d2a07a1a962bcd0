import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BrokerProcess, startBroker } from '../../../apps/broker/test/support/broker-process';

/**
 * @runnel/client as another project sees it: `npm pack` builds the package, the tarball is
 * unpacked into a fresh project's node_modules, and that project imports it by name — types
 * checked by tsc against the package's declarations, code run with plain node against a real
 * broker. Third-party dependencies (ws, the codecs) come from this repo's node_modules through
 * NODE_PATH, as an install would provide them, so the test needs no registry.
 */
const ROOT = path.resolve(__dirname, '../../..');
const PACKAGE_DIR = path.join(ROOT, 'libs/client');

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe('@runnel/client as a package', () => {
  let broker: BrokerProcess;
  afterAll(async () => {
    await broker?.stop();
  });

  it('resolves by name inside the repo (npm workspaces) to its built output', () => {
    const resolved = run(process.execPath, ['-p', "require.resolve('@runnel/client')"], ROOT).trim();
    expect(fs.realpathSync(resolved)).toBe(path.join(PACKAGE_DIR, 'dist/client/src/index.js'));
    const exported = run(process.execPath, ['-p', "Object.keys(require('@runnel/client')).sort().join(',')"], ROOT);
    expect(exported.split(',')).toEqual(expect.arrayContaining(['Admin', 'Consumer', 'GroupConsumer', 'Producer', 'RunnelClientError']));
  });

  it('is packed by npm pack, type-checks and runs from another project against a broker', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-client-pkg-'));
    const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], PACKAGE_DIR).trim().split('\n').pop()!;
    const app = path.join(work, 'app');
    const installed = path.join(app, 'node_modules/@runnel/client');
    fs.mkdirSync(installed, { recursive: true });
    run('tar', ['-xzf', path.join(work, tarball), '-C', installed, '--strip-components=1'], work);
    const files = run('tar', ['-tzf', path.join(work, tarball)], work);
    expect(files).toContain('package/dist/client/src/index.d.ts');
    expect(files).toContain('package/dist/protocol/src/index.js');
    expect(files).not.toContain('package/src/');

    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    fs.writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: 'es2022',
          module: 'commonjs',
          moduleResolution: 'node',
          noEmit: true,
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    fs.writeFileSync(
      path.join(app, 'check.ts'),
      [
        "import { Admin, Producer, RunnelClientError, TopicDescription } from '@runnel/client';",
        "const admin: Admin = new Admin({ baseUrl: 'http://localhost:8080' });",
        "const created: Promise<TopicDescription> = admin.createTopic('t', { partitions: 2 });",
        "const sent: Promise<{ partition: number; offset: number }> = new Producer({ baseUrl: 'http://localhost:8080' }).send({ topic: 't', value: 'v' });",
        'export { created, sent, RunnelClientError };',
      ].join('\n'),
    );
    run(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', 'tsconfig.json'], app);

    broker = await startBroker();
    fs.writeFileSync(
      path.join(app, 'main.js'),
      `const { Admin, Producer } = require('@runnel/client');
(async () => {
  const baseUrl = process.argv[2];
  await new Admin({ baseUrl }).createTopic('from-package', { partitions: 2 });
  const producer = new Producer({ baseUrl, lingerMs: 1 });
  const { partition, offset } = await producer.send({ topic: 'from-package', key: 'alice', value: 'hello' });
  await producer.close();
  const partitions = await new Admin({ baseUrl }).partitions('from-package');
  console.log(JSON.stringify({ resolved: require.resolve('@runnel/client'), partition, offset, partitions: partitions.length }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
    );
    const env = { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
    const out = JSON.parse(run(process.execPath, ['main.js', broker.baseUrl], app, env));
    expect(out).toEqual({
      resolved: path.join(installed, 'dist/client/src/index.js'),
      partition: expect.any(Number),
      offset: 0,
      partitions: 2,
    });
  }, 180_000);
});
