import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileHandleCache, IndexCache, OffsetIndex } from '@runnel/log';
import { makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

const handles = new FileHandleCache(16);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

function newIndex(baseOffset: number, maxIndexBytes = 1 << 20): OffsetIndex {
  const index = new OffsetIndex(path.join(makeTmpDir(), 'x.index'), baseOffset, maxIndexBytes, { handles, cache: new IndexCache(1 << 20) });
  index.resetMutable();
  return index;
}

/** Reference model: the floor entry of a sorted array, else (base, 0). */
function modelLookup(entries: Array<[number, number]>, base: number, target: number): { offset: number; position: number } {
  let found = { offset: base, position: 0 };
  for (const [offset, position] of entries) if (offset <= target) found = { offset, position };
  return found;
}

describe('OffsetIndex', () => {
  it('answers floor lookups like a sorted array under random appends and truncations', () => {
    const next = rng(7);
    for (let round = 0; round < 20; round++) {
      const base = randomInt(next, 0, 1e12);
      const index = newIndex(base);
      const model: Array<[number, number]> = [];
      let offset = base;
      let position = 0;
      for (let i = 0; i < 400; i++) {
        if (next() < 0.05 && model.length > 0) {
          const cut = model[randomInt(next, 0, model.length - 1)][1];
          index.truncateToPosition(cut);
          while (model.length > 0 && model[model.length - 1][1] >= cut) model.pop();
          offset = model.at(-1)?.[0] ?? base;
          position = model.at(-1)?.[1] ?? 0;
          continue;
        }
        offset += randomInt(next, 1, 50);
        position += randomInt(next, 1, 5000);
        expect(index.append(offset, position)).toBe(true);
        model.push([offset, position]);
      }
      const entries = index.entriesInMemory()!;
      expect(entries.length).toBe(model.length * 8);
      for (let q = 0; q < 300; q++) {
        const target = randomInt(next, base - 3, offset + 3);
        expect(OffsetIndex.lookup(entries, base, target)).toEqual(modelLookup(model, base, target));
      }
      expect(index.check(entries, offset + 1, position + 1)).toBeUndefined();
    }
  });

  it('refuses out-of-order entries and skips appends when full', () => {
    const index = newIndex(100, 8 * 3);
    expect(index.append(105, 10)).toBe(true);
    expect(() => index.append(105, 20)).toThrow();
    expect(() => index.append(106, 10)).toThrow();
    expect(index.append(110, 20)).toBe(true);
    expect(index.append(120, 30)).toBe(true);
    expect(index.isFull).toBe(true);
    expect(index.append(130, 40)).toBe(false);
    expect(index.entryCount).toBe(3);
  });

  it('writes the file in Kafka layout when sealed and reads it back', async () => {
    const index = newIndex(1000);
    index.append(1004, 4100);
    index.append(1010, 8300);
    index.seal();
    const file = await index.readFile();
    expect(file).toEqual(Buffer.from([0, 0, 0, 4, 0, 0, 0x10, 0x04, 0, 0, 0, 10, 0, 0, 0x20, 0x6c]));
    expect(fs.statSync(index.path).size).toBe(16);
    expect(index.entriesInMemory()).toEqual(file); // kept in the shared cache
    expect(OffsetIndex.lookup(file!, 1000, 1009)).toEqual({ offset: 1004, position: 4100 });
  });

  it('sanity check rejects bad sizes, disorder and entries outside the segment', () => {
    const index = newIndex(10);
    const entries = (pairs: number[][]): Buffer => Buffer.concat(pairs.map(([o, p]) => Buffer.from([0, 0, 0, o, 0, 0, 0, p])));
    expect(
      index.check(
        entries([
          [1, 5],
          [3, 9],
        ]),
        20,
        100,
      ),
    ).toBeUndefined();
    expect(index.check(Buffer.alloc(7), 20, 100)).toMatch(/multiple/);
    expect(
      index.check(
        entries([
          [3, 5],
          [1, 9],
        ]),
        20,
        100,
      ),
    ).toMatch(/increase/);
    expect(
      index.check(
        entries([
          [1, 9],
          [3, 5],
        ]),
        20,
        100,
      ),
    ).toMatch(/increase/);
    expect(index.check(entries([[12, 5]]), 20, 100)).toMatch(/segment end/);
    expect(index.check(entries([[1, 100]]), 20, 100)).toMatch(/log size/);
  });
});
