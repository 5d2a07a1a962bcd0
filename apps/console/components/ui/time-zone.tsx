'use client';
import { createContext, useContext, type ReactNode } from 'react';
import { DEFAULT_TIME_ZONE } from '@/lib/format';
import { Time } from './time';

const ZoneContext = createContext<string>(DEFAULT_TIME_ZONE);

/** The user's time zone for client components (the layout reads it from the cookie). */
export function TimeZoneProvider({ zone, children }: { zone: string; children: ReactNode }) {
  return <ZoneContext.Provider value={zone}>{children}</ZoneContext.Provider>;
}

export function useTimeZone(): string {
  return useContext(ZoneContext);
}

/** `<Time>` in client components, in the user's zone. */
export function ZonedTime({ ms }: { ms: number | null | undefined }) {
  return <Time ms={ms} zone={useTimeZone()} />;
}
