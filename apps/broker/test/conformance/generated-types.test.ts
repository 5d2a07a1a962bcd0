import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPEC_PATH } from './confluent-spec';

/**
 * `generated/kafka-rest-v3.d.ts` is openapi-typescript's output for the spec fixture, checked in
 * so the typed-client e2e test compiles without a generation step. Regenerating it must give the
 * same text: a spec update without regenerated types (or a hand edit of the types) fails here.
 */
const ROOT = path.resolve(__dirname, '../../../..');
const CHECKED_IN = path.join(__dirname, 'generated/kafka-rest-v3.d.ts');
const CLI = path.join(ROOT, 'node_modules/openapi-typescript/bin/cli.js');

describe('types generated from the Confluent spec', () => {
  it('are current: openapi-typescript regenerates exactly the checked-in file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-openapi-types-'));
    try {
      const regenerated = path.join(dir, 'kafka-rest-v3.d.ts');
      execFileSync(process.execPath, [CLI, SPEC_PATH, '-o', regenerated], { cwd: ROOT, stdio: 'pipe' });
      const current = fs.readFileSync(regenerated, 'utf8').split('\n');
      const checkedIn = fs.readFileSync(CHECKED_IN, 'utf8').split('\n');
      // The first line that differs, not a diff of two 5,000-line strings.
      const line = checkedIn.findIndex((text, i) => text !== current[i]);
      const at = line < 0 && checkedIn.length !== current.length ? Math.min(checkedIn.length, current.length) : line;
      expect({ firstDifferentLine: at + 1, checkedIn: checkedIn[at], regenerated: current[at] }).toEqual({
        firstDifferentLine: 0,
        checkedIn: undefined,
        regenerated: undefined,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('describe every operation of the spec by its operationId', () => {
    const types = fs.readFileSync(CHECKED_IN, 'utf8');
    for (const id of [
      'listKafkaClusters',
      'createKafkaTopic',
      'produceRecord',
      'listKafkaConsumerLags',
      'updatePartitionCountKafkaTopic',
    ]) {
      expect(types).toContain(`operations["${id}"]`);
    }
  });
});
