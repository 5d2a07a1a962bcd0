'use server';
import { cookies } from 'next/headers';
import { revalidatePath } from 'next/cache';
import { THEME_COOKIE, TIME_ZONE_COOKIE, isTimeZone } from '@/lib/format';

const YEAR_S = 365 * 24 * 60 * 60;

export interface SettingsState {
  saved?: boolean;
  error?: string;
}

/** Stores the time zone and theme in this browser (cookies, so server-rendered pages use them). */
export async function saveSettings(_previous: SettingsState, form: FormData): Promise<SettingsState> {
  const zone = String(form.get('time_zone') ?? '');
  const theme = String(form.get('theme') ?? 'system');
  if (!isTimeZone(zone)) return { error: `Unknown time zone '${zone}'.` };
  if (!['light', 'dark', 'system'].includes(theme)) return { error: `Unknown theme '${theme}'.` };
  const jar = await cookies();
  jar.set(TIME_ZONE_COOKIE, zone, { path: '/', maxAge: YEAR_S, sameSite: 'lax' });
  jar.set(THEME_COOKIE, theme, { path: '/', maxAge: YEAR_S, sameSite: 'lax' });
  revalidatePath('/', 'layout');
  return { saved: true };
}
