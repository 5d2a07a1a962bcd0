import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** scripts/check-engines.js as CI runs it: exit code and message. */
const ROOT = path.resolve(__dirname, '../..');
const SCRIPT = path.join(ROOT, 'scripts/check-engines.js');

function run(dir: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [SCRIPT, dir], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

function fixture(packages: Record<string, { version: string; engines?: { node: string } }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-engines-'));
  const pkg = { name: 'fixture', version: '1.0.0', engines: { node: '^20.19.0 || >=22' } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  const lock = { name: 'fixture', lockfileVersion: 3, packages: { '': pkg, ...packages } };
  fs.writeFileSync(path.join(dir, 'package-lock.json'), JSON.stringify(lock));
  return dir;
}

describe('check-engines', () => {
  it('passes on the repository itself: no dependency needs a Node newer than the supported 20.x', () => {
    const { status, output } = run(ROOT);
    expect(output).toContain('accepts Node 20.19.0');
    expect(status).toBe(0);
  });

  it('fails, naming the package, when a dependency requires Node 22 (the content-disposition@3 case)', () => {
    const dir = fixture({
      'node_modules/ok': { version: '1.0.0', engines: { node: '>=18' } },
      'node_modules/send/node_modules/content-disposition': { version: '3.0.0', engines: { node: '>=22' } },
    });
    const { status, output } = run(dir);
    expect(status).toBe(1);
    expect(output).toContain('content-disposition@3.0.0 requires node >=22');
    expect(output).not.toContain('ok@1.0.0');
  });
});
