import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CorruptLogError,
  LEADER_EPOCH_CHECKPOINT_FILE,
  LeaderEpochCache,
  formatLeaderEpochCheckpoint,
  parseLeaderEpochCheckpoint,
  type EpochEntry,
} from '@runnel/log';
import { makeTmpDir, removeTmpDirs, rng, randomInt } from './batch-builder';

afterAll(() => removeTmpDirs());

const cacheOf = (entries: EpochEntry[]): LeaderEpochCache => new LeaderEpochCache(makeTmpDir(), entries);

describe('leader-epoch-checkpoint format', () => {
  it("writes Kafka's text layout: version, count, then '<epoch> <startOffset>' lines", () => {
    expect(
      formatLeaderEpochCheckpoint([
        { epoch: 0, startOffset: 0 },
        { epoch: 3, startOffset: 120 },
      ]),
    ).toBe('0\n2\n0 0\n3 120\n');
    expect(formatLeaderEpochCheckpoint([])).toBe('0\n0\n');
  });

  it('parses a file Kafka wrote', () => {
    expect(parseLeaderEpochCheckpoint('0\n3\n0 0\n1 57\n4 1000\n', 'f')).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 1, startOffset: 57 },
      { epoch: 4, startOffset: 1000 },
    ]);
  });

  it.each([
    ['', 'empty'],
    ['1\n0\n', 'unknown version'],
    ['0\n2\n0 0\n', 'fewer entries than counted'],
    ['0\n1\n0 0\n1 5\n', 'more entries than counted'],
    ['0\n1\n0\n', 'missing field'],
    ['0\n1\n-1 0\n', 'negative epoch'],
    ['0\n1\n0 x\n', 'non-numeric offset'],
    ['0\n2\n2 0\n1 5\n', 'epochs not increasing'],
    ['0\n2\n1 5\n2 5\n', 'start offsets not increasing'],
    ['0\n1\n2147483648 0\n', 'epoch beyond int32'],
    ['0\n1\n0 0', 'truncated last line is fine'],
  ])('%j (%s)', (text, reason) => {
    if (reason === 'truncated last line is fine') {
      expect(parseLeaderEpochCheckpoint(text, 'f')).toEqual([{ epoch: 0, startOffset: 0 }]);
    } else {
      expect(() => parseLeaderEpochCheckpoint(text, 'f')).toThrow(CorruptLogError);
    }
  });
});

describe('LeaderEpochCache', () => {
  it('assigns only new epochs, keeping the first offset of each', () => {
    const cache = cacheOf([]);
    expect(cache.latestEpoch()).toBe(-1);
    expect(cache.assign(0, 0)).toBe(true);
    expect(cache.assign(0, 5)).toBe(false);
    expect(cache.assign(-1, 7)).toBe(false); // batches written without an epoch
    expect(cache.assign(2, 10)).toBe(true);
    expect(cache.all()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
    ]);
    expect(cache.latestEpoch()).toBe(2);
  });

  it('drops entries an assignment contradicts (newest information wins, as in Kafka)', () => {
    const cache = cacheOf([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 20 },
    ]);
    cache.assign(4, 15); // epoch 5 at 20 can no longer be right
    expect(cache.all()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 4, startOffset: 15 },
    ]);
    cache.assign(4, 12); // same epoch, earlier start: moves back
    expect(cache.all().at(-1)).toEqual({ epoch: 4, startOffset: 12 });
  });

  it('truncates from the end and from the start', () => {
    const cache = cacheOf([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 20 },
    ]);
    cache.truncateFromEnd(20);
    expect(cache.all()).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
    ]);
    cache.truncateFromStart(14); // epoch 3 covers 14: it stays, starting there
    expect(cache.all()).toEqual([{ epoch: 3, startOffset: 14 }]);
    cache.truncateFromStart(2); // below everything: nothing to do
    expect(cache.all()).toEqual([{ epoch: 3, startOffset: 14 }]);
    cache.clear();
    expect(cache.all()).toEqual([]);
  });

  describe("endOffsetFor (Kafka's OffsetsForLeaderEpoch)", () => {
    const cache = cacheOf([
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 10 },
      { epoch: 5, startOffset: 20 },
    ]);
    it.each([
      [5, { epoch: 5, endOffset: 30 }], // latest: ends at the log end
      [3, { epoch: 3, endOffset: 20 }],
      [4, { epoch: 3, endOffset: 20 }], // unknown epoch: the largest below it
      [1, { epoch: 1, endOffset: 10 }],
      [2, { epoch: 1, endOffset: 10 }],
      [0, { epoch: -1, endOffset: -1 }], // below the first epoch
      [6, { epoch: -1, endOffset: -1 }], // above the latest
      [-1, { epoch: -1, endOffset: -1 }],
    ])('epoch %d → %j', (requested, expected) => {
      expect(cache.endOffsetFor(requested, 30)).toEqual(expected);
    });
    it('knows nothing when empty', () => {
      expect(cacheOf([]).endOffsetFor(0, 0)).toEqual({ epoch: -1, endOffset: -1 });
    });
  });

  it('matches a reference model under random operations', () => {
    const next = rng(7);
    for (let run = 0; run < 100; run++) {
      const cache = cacheOf([]);
      const actual: unknown[] = [];
      const expectedAll: unknown[] = [];
      // Reference: the epoch of every offset ever written, as a plain array; offsets below logStart
      // are gone, but when all are gone the last epoch is still known (it starts at the log end).
      let log: number[] = [];
      let logStart = 0;
      let carried: number | undefined;
      for (let step = 0; step < 30; step++) {
        const op = randomInt(next, 0, 9);
        const present = log.slice(logStart);
        if (op < 6) {
          const latest = present.length > 0 ? present[present.length - 1] : (carried ?? -1);
          const epoch = Math.max(0, latest + randomInt(next, 0, 2));
          const count = randomInt(next, 1, 4);
          cache.assign(epoch, log.length);
          log = log.concat(Array.from({ length: count }, () => epoch));
          carried = undefined;
        } else if (op < 8 && present.length > 0) {
          const to = randomInt(next, logStart, log.length - 1);
          log = log.slice(0, to);
          cache.truncateFromEnd(to);
        } else if (present.length > 0) {
          logStart = randomInt(next, logStart, log.length);
          if (logStart === log.length) carried = present[present.length - 1];
          cache.truncateFromStart(logStart);
        }
        const now = log.slice(logStart);
        for (let requested = -1; requested < 12; requested++) {
          let expected = { epoch: -1, endOffset: -1 };
          if (now.length === 0 && carried !== undefined && requested === carried) {
            expected = { epoch: carried, endOffset: log.length };
          } else if (now.length > 0 && requested >= now[0] && requested <= now[now.length - 1]) {
            const epoch = Math.max(...now.filter((e) => e <= requested));
            const firstAfter = now.findIndex((e) => e > epoch);
            expected = { epoch, endOffset: firstAfter < 0 ? log.length : logStart + firstAfter };
          }
          actual.push(cache.endOffsetFor(requested, log.length));
          expectedAll.push(expected);
        }
        actual.push(cache.latestEpoch());
        expectedAll.push(now.length > 0 ? now[now.length - 1] : (carried ?? -1));
      }
      expect(actual).toEqual(expectedAll);
    }
  });

  it('persists atomically and only when changed', async () => {
    const dir = makeTmpDir();
    const cache = new LeaderEpochCache(dir, []);
    await cache.persist();
    expect(fs.existsSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE))).toBe(false); // nothing changed
    cache.assign(2, 0);
    cache.assign(4, 9);
    const first = cache.persist();
    cache.assign(6, 12); // while a write is in flight: the next persist waits for it, then writes again
    await Promise.all([first, cache.persist(), cache.persist()]);
    expect(cache.isDirty).toBe(false);
    expect(fs.readFileSync(path.join(dir, LEADER_EPOCH_CHECKPOINT_FILE), 'utf8')).toBe('0\n3\n2 0\n4 9\n6 12\n');
    expect(fs.readdirSync(dir)).toEqual([LEADER_EPOCH_CHECKPOINT_FILE]); // no temporary file left
    expect(await LeaderEpochCache.read(dir)).toEqual(cache.all());
  });

  it('stays dirty when a write fails, and the next persist writes', async () => {
    const dir = path.join(makeTmpDir(), 'gone');
    const cache = new LeaderEpochCache(dir, []);
    cache.assign(1, 0);
    await expect(cache.persist()).rejects.toThrow(/ENOENT/);
    expect(cache.isDirty).toBe(true);
    fs.mkdirSync(dir);
    await cache.persist();
    expect(await LeaderEpochCache.read(dir)).toEqual([{ epoch: 1, startOffset: 0 }]);
  });
});
