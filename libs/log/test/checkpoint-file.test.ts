import * as fs from 'node:fs';
import * as path from 'node:path';
import { CorruptLogError, formatOffsetCheckpoint, parseOffsetCheckpoint, readOffsetCheckpoint, writeFileAtomically } from '@runnel/log';
import { makeTmpDir, removeTmpDirs } from './batch-builder';

afterAll(removeTmpDirs);

describe('offset checkpoint files', () => {
  it("writes Kafka's text format: version, count, then 'topic partition offset' lines", () => {
    const text = formatOffsetCheckpoint([
      { topic: 'orders', partition: 0, offset: 42 },
      { topic: 'my-topic.v2', partition: 11, offset: 9007199254740991 },
    ]);
    expect(text).toBe('0\n2\norders 0 42\nmy-topic.v2 11 9007199254740991\n');
    expect(parseOffsetCheckpoint(text, 'f')).toEqual([
      { topic: 'orders', partition: 0, offset: 42 },
      { topic: 'my-topic.v2', partition: 11, offset: 9007199254740991 },
    ]);
    expect(parseOffsetCheckpoint('0\n0\n', 'f')).toEqual([]);
  });

  it('refuses anything malformed', () => {
    for (const text of [
      '1\n0\n',
      '0\n2\na 0 1\n',
      '0\n1\na 0\n',
      '0\n1\na x 1\n',
      '0\n1\na 0 -1\n',
      '0\n1\na 0 99999999999999999999\n',
      '0\n1\n../x 0 1\n',
    ]) {
      expect(() => parseOffsetCheckpoint(text, 'f')).toThrow(CorruptLogError);
    }
  });

  it('replaces files atomically and reads them back; a missing file reads as undefined', async () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'recovery-point-offset-checkpoint');
    expect(await readOffsetCheckpoint(file)).toBeUndefined();
    await writeFileAtomically(file, formatOffsetCheckpoint([{ topic: 't', partition: 1, offset: 2 }]));
    await writeFileAtomically(file, formatOffsetCheckpoint([{ topic: 't', partition: 1, offset: 3 }]));
    expect(await readOffsetCheckpoint(file)).toEqual([{ topic: 't', partition: 1, offset: 3 }]);
    expect(fs.readdirSync(dir)).toEqual(['recovery-point-offset-checkpoint']);
  });
});
