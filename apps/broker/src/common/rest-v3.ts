import { badRequest } from './errors';

/**
 * The small pieces every Confluent REST v3 resource is built from, in one place: relationship
 * links, resource names, list envelopes and date-time fields. The shapes are the ones of
 * Confluent's published spec (`api/v3/openapi.yaml`): a relationship is `{"related": url}`, a
 * resource's `metadata` has `self` and `resource_name`, a list's `metadata` has `self` and `next`,
 * and every field the spec types `date-time` is an ISO-8601 string.
 */
export interface Relationship {
  related: string;
}

export const related = (url: string): Relationship => ({ related: url });

/** Confluent's CRN for a resource: `crn:///kafka=<cid>/topic=<t>/partition=<p>`. */
export function resourceName(clusterId: string, ...parts: [kind: string, name: string | number][]): string {
  return `crn:///kafka=${clusterId}${parts.map(([kind, name]) => `/${kind}=${name}`).join('')}`;
}

export function resourceMetadata(self: string, crn: string): { self: string; resource_name: string } {
  return { self, resource_name: crn };
}

/** A v3 collection: `{kind, metadata: {self, next}, data}`. */
export function listResource<T>(kind: string, self: string, data: T[], next: string | null = null) {
  return { kind, metadata: { self, next }, data };
}

let lastEpochMs = NaN;
let lastIso = '';

/**
 * An epoch-milliseconds time as the spec's date-time (ISO-8601, UTC). Produce reports render one
 * per record and the records of a batch mostly share their millisecond, so the last one is kept.
 */
export function isoTime(epochMs: number): string {
  if (epochMs !== lastEpochMs) {
    lastIso = new Date(epochMs).toISOString();
    lastEpochMs = epochMs;
  }
  return lastIso;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A timestamp a client sent: ISO-8601 date-time (as the spec and Confluent's examples send it)
 * or epoch milliseconds (a number, or a string of digits). Anything else is a 400 naming `field`.
 */
export function parseTimestampInput(value: unknown, field = 'timestamp'): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return value;
  } else if (typeof value === 'string') {
    if (/^\d{1,15}$/.test(value)) return Number(value);
    if (ISO_DATE_TIME.test(value)) {
      const ms = Date.parse(value);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    }
  }
  throw badRequest(`${field} must be an ISO-8601 date-time (e.g. 2021-02-05T19:14:42Z) or epoch milliseconds`);
}
