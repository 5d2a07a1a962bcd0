import { formatBytes, formatDuration, formatTime, parseZonedTime } from '../lib/format';

/** Times shown and entered in the user's zone; the same instant whatever the zone. */
describe('console time formatting', () => {
  const instant = Date.UTC(2026, 11, 6, 14, 3, 7, 123);

  it('shows an instant in the chosen zone', () => {
    expect(formatTime(instant, 'UTC')).toBe('2026-12-06 14:03:07.123');
    expect(formatTime(instant, 'Asia/Tokyo')).toBe('2026-12-06 23:03:07.123');
    expect(formatTime(instant, 'America/New_York')).toBe('2026-12-06 09:03:07.123');
  });

  it('reads a wall-clock time in the zone back to the same instant, across a DST change', () => {
    expect(parseZonedTime('2026-12-06 23:03:07.123', 'Asia/Tokyo')).toBe(instant);
    expect(parseZonedTime('2026-12-06T09:03:07.123', 'America/New_York')).toBe(instant);
    const summer = Date.UTC(2026, 6, 1, 12, 0, 0);
    expect(parseZonedTime('2026-07-01 08:00', 'America/New_York')).toBe(summer);
    expect(parseZonedTime('yesterday', 'UTC')).toBeNaN();
  });

  it('formats sizes and durations', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(50 * 1024 * 1024)).toBe('50.0 MiB');
    expect(formatDuration(450)).toBe('450 ms');
    expect(formatDuration(3 * 3600_000 + 12 * 60_000)).toBe('3 h 12 min');
  });
});
