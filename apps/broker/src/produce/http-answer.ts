import type { Readable } from 'node:stream';

/** What a produce use case answers over HTTP; the controller only sends it. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string | Readable;
  /** Replayed from an earlier request with the same Idempotency-Key. */
  replayed?: boolean;
}

export const JSON_CONTENT_TYPE = 'application/json';
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
