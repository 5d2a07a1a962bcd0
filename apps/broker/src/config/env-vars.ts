import { z } from 'zod';

/**
 * Strict readers of one environment variable each, as zod schemas over the raw string. An unset
 * (or empty) variable takes its default. What a person may mistype is refused, not guessed:
 * integers are decimal digits only (`0x1F90`, `1e3`, ` 80`, `80.0` are errors), booleans are
 * `true|false|on|off`. Each failure message says what was expected; the loader puts `NAME=value` before it.
 */

const DECIMAL_DIGITS = /^\d+$/;

export function integerVar(fallback: number, min: number, max: number, expected = `an integer from ${min} to ${max}`) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = DECIMAL_DIGITS.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message: `is not ${expected} in decimal digits` });
      return z.NEVER;
    });
}

/** An integer whose default is derived from other values: `undefined` when unset. */
export function optionalIntegerVar(min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const value = DECIMAL_DIGITS.test(raw) ? Number(raw) : Number.NaN;
      if (Number.isSafeInteger(value) && value >= min && value <= max) return value;
      ctx.addIssue({ code: 'custom', message: `is not an integer from ${min} to ${max} in decimal digits` });
      return z.NEVER;
    });
}

const BOOLEANS: Record<string, boolean> = { true: true, on: true, false: false, off: false };

export function booleanVar(fallback: boolean) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      const value = BOOLEANS[raw];
      if (value !== undefined) return value;
      ctx.addIssue({ code: 'custom', message: 'is not true, false, on or off' });
      return z.NEVER;
    });
}

export function stringVar(fallback: string) {
  return z
    .string()
    .optional()
    .transform((raw) => (raw === undefined || raw === '' ? fallback : raw));
}

export function enumVar<const T extends string>(fallback: T, allowed: readonly T[]) {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return fallback;
      if ((allowed as readonly string[]).includes(raw)) return raw as T;
      ctx.addIssue({ code: 'custom', message: `is not one of ${allowed.join(', ')}` });
      return z.NEVER;
    });
}

/** An absolute http(s) URL without path, query or fragment, e.g. `https://broker.example:8443`; `undefined` when unset. */
export function originVar() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw === '') return undefined;
      const origin = originOf(raw);
      if (origin !== undefined) return origin;
      ctx.addIssue({ code: 'custom', message: 'is not an http(s) URL with no path, such as https://broker.example:8443' });
      return z.NEVER;
    });
}

/** A comma-separated list of exact origins (`https://app.example,http://localhost:3000`); empty when unset. */
export function originListVar() {
  return z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return [] as string[];
      const origins: string[] = [];
      for (const item of raw.split(',').map((part) => part.trim())) {
        const origin = originOf(item);
        if (origin === undefined) {
          ctx.addIssue({ code: 'custom', message: `has "${item}", which is not an origin such as https://app.example:8443` });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    });
}

function originOf(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const bare =
    (url.pathname === '/' || url.pathname === '') && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !bare || (raw.endsWith('/') && raw !== url.origin + '/')) return undefined;
  return url.origin;
}
