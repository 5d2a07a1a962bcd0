import * as path from 'node:path';
import { FileHandleCache, IndexCache, TimeIndex } from '@runnel/log';
import { makeTmpDir, randomInt, removeTmpDirs, rng } from './batch-builder';

const handles = new FileHandleCache(16);
afterAll(() => {
  handles.closeAll();
  removeTmpDirs();
});

function newIndex(baseOffset: number, maxIndexBytes = 1 << 20): TimeIndex {
  const index = new TimeIndex(path.join(makeTmpDir(), 'x.timeindex'), baseOffset, maxIndexBytes, {
    handles,
    cache: new IndexCache(1 << 20),
  });
  index.resetMutable();
  return index;
}

describe('TimeIndex', () => {
  it('keeps only growing timestamps and answers floor lookups like a sorted array', () => {
    const next = rng(99);
    for (let round = 0; round < 20; round++) {
      const base = randomInt(next, 0, 1e9);
      const index = newIndex(base);
      const model: Array<{ timestamp: number; offset: number }> = [];
      let offset = base;
      for (let i = 0; i < 400; i++) {
        if (next() < 0.04 && model.length > 0) {
          const cut = model[randomInt(next, 0, model.length - 1)].offset;
          index.truncateToOffset(cut);
          while (model.length > 0 && model[model.length - 1].offset >= cut) model.pop();
          continue;
        }
        offset += randomInt(next, 0, 30);
        const timestamp = 1_700_000_000_000 + randomInt(next, 0, 1_000_000);
        const grows = model.length === 0 || timestamp > model[model.length - 1].timestamp;
        if (model.length > 0 && offset < model[model.length - 1].offset) offset = model[model.length - 1].offset;
        expect(index.maybeAppend(timestamp, offset)).toBe(grows);
        if (grows) model.push({ timestamp, offset });
      }
      const entries = index.entriesInMemory()!;
      expect(index.lastEntry()).toEqual(model.at(-1));
      for (let q = 0; q < 300; q++) {
        const target = 1_700_000_000_000 + randomInt(next, -10, 1_000_010);
        const expected = [...model].reverse().find((e) => e.timestamp <= target) ?? { timestamp: -1, offset: base };
        expect(TimeIndex.lookup(entries, base, target)).toEqual(expected);
      }
      expect(index.check(entries, offset + 1)).toBeUndefined();
    }
  });

  it('keeps its last slot for the final entry written when the segment closes', () => {
    const index = newIndex(0, 12 * 3);
    expect(index.maybeAppend(10, 1)).toBe(true);
    expect(index.maybeAppend(20, 2)).toBe(true);
    expect(index.isFull).toBe(true);
    expect(index.maybeAppend(30, 3)).toBe(false);
    expect(index.maybeAppend(30, 3, true)).toBe(true);
    expect(index.entryCount).toBe(3);
  });

  it('sanity check rejects decreasing timestamps or offsets and offsets outside the segment', () => {
    const index = newIndex(100);
    const entries = (pairs: number[][]): Buffer =>
      Buffer.concat(
        pairs.map(([t, o]) => {
          const b = Buffer.alloc(12);
          b.writeUInt32BE(t, 4);
          b.writeInt32BE(o, 8);
          return b;
        }),
      );
    expect(
      index.check(
        entries([
          [5, 1],
          [6, 1],
        ]),
        110,
      ),
    ).toBeUndefined();
    expect(
      index.check(
        entries([
          [5, 1],
          [5, 2],
        ]),
        110,
      ),
    ).toMatch(/timestamp/);
    expect(
      index.check(
        entries([
          [5, 2],
          [6, 1],
        ]),
        110,
      ),
    ).toMatch(/offset/);
    expect(index.check(entries([[5, 10]]), 110)).toMatch(/segment end/);
    expect(index.check(Buffer.alloc(13), 110)).toMatch(/multiple/);
  });
});
