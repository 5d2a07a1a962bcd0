import { combineLags } from '../../src/history/group-lag';

describe('combineLags', () => {
  it('adds offsets and takes the largest known lag in time of the parts that lag', () => {
    expect(
      combineLags([
        { lag: 3, lagMs: 500 },
        { lag: 0, lagMs: 0 },
        { lag: 4, lagMs: 2500 },
      ]),
    ).toEqual({ lag: 7, lagMs: 2500 });
  });

  it('is 0 when nothing lags, null when no lagging part is known, and ignores unknown parts otherwise', () => {
    expect(combineLags([])).toEqual({ lag: 0, lagMs: 0 });
    expect(combineLags([{ lag: 0, lagMs: 0 }])).toEqual({ lag: 0, lagMs: 0 });
    expect(combineLags([{ lag: 2, lagMs: null }])).toEqual({ lag: 2, lagMs: null });
    expect(
      combineLags([
        { lag: 2, lagMs: null },
        { lag: 1, lagMs: 40 },
      ]),
    ).toEqual({ lag: 3, lagMs: 40 });
  });
});
