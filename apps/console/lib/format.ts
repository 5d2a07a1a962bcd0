/**
 * Formatting shared by server and browser code. Every time the console shows is in the one time
 * zone the user chose (Settings; UTC by default), with the absolute UTC time on hover.
 */
export const DEFAULT_TIME_ZONE = 'UTC';
export const TIME_ZONE_COOKIE = 'runnel_tz';
export const THEME_COOKIE = 'runnel_theme';

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** `2026-12-06 14:03:07.123` in the zone (24 h, ISO-like order, the same in every locale). */
export function formatTime(epochMs: number, timeZone: string): string {
  if (!Number.isFinite(epochMs)) return '—';
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      fractionalSecondDigits: 3,
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}.${parts.fractionalSecond}`;
}

/** The absolute instant, for a `title`: `2026-12-06T14:03:07.123Z (UTC)`. */
export function absoluteTime(epochMs: number): string {
  return Number.isFinite(epochMs) ? `${new Date(epochMs).toISOString()} (UTC)` : '';
}

/** Parses `YYYY-MM-DD HH:MM[:SS[.mmm]]` as a wall-clock time in the zone; NaN when malformed. */
export function parseZonedTime(text: string, timeZone: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text.trim());
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s = '0', ms = '0'] = match;
  const asUtc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s, +ms.padEnd(3, '0'));
  // The zone's offset at that instant, found by formatting and comparing (twice, across DST edges).
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const shown = formatTime(guess, timeZone);
    const back = Date.UTC(
      +shown.slice(0, 4),
      +shown.slice(5, 7) - 1,
      +shown.slice(8, 10),
      +shown.slice(11, 13),
      +shown.slice(14, 16),
      +shown.slice(17, 19),
      +shown.slice(20, 23),
    );
    guess += asUtc - back;
  }
  return guess;
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

export function formatNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits });
}

/** A duration in ms as `3 h 12 min`, `45 s`, `120 ms`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
