import 'server-only';
import { cookies } from 'next/headers';
import { DEFAULT_TIME_ZONE, THEME_COOKIE, TIME_ZONE_COOKIE, isTimeZone } from './format';

export type Theme = 'light' | 'dark' | 'system';

/** The browser's chosen time zone (a cookie, so server-rendered times already use it). */
export async function timeZone(): Promise<string> {
  const zone = (await cookies()).get(TIME_ZONE_COOKIE)?.value;
  return zone && isTimeZone(zone) ? zone : DEFAULT_TIME_ZONE;
}

export async function theme(): Promise<Theme> {
  const value = (await cookies()).get(THEME_COOKIE)?.value;
  return value === 'light' || value === 'dark' ? value : 'system';
}
