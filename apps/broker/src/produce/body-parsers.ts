import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../http/json-depth';

/**
 * The broker's request body parsers (installed on the Fastify instance before Nest starts, with
 * Nest's own parsers off):
 *   - `application/json`: parsed with Fastify's secure JSON parser, at most `maxRequestBytes`
 *     (413 beyond) — except on routes marked with `RAW_RECORD_STREAM` (POST .../records), which
 *     get the unread request stream: they split it record by record and bound each record instead.
 *     Routes marked with `RAW_JSON_BODY` (records:batch) also get the unread stream, to keep the
 *     exact text of JSON-typed data (raw-json.ts); they read it whole, within the same limit.
 *   - `application/x-ndjson` (and `application/jsonl`): the unread stream, on RAW_RECORD_STREAM
 *     routes only.
 *   - `application/vnd.kafka.record-batch`: the raw bytes as one Buffer, at most `maxRequestBytes`.
 *   - the JSON media types of Confluent REST v2 and the Strimzi bridge (V2_JSON_CONTENT_TYPES):
 *     parsed exactly as `application/json`, on every route, so their clients work unchanged.
 * Nothing else: Fastify's `text/plain` parser is removed, so a page in a browser cannot write to
 * the broker with a "simple" cross-site form POST (CSRF); other types answer 415 (see
 * UNSUPPORTED_MEDIA_TYPE_MESSAGE). JSON nested deeper than MAX_JSON_DEPTH answers 400.
 */
export const RAW_RECORD_STREAM = 'runnelRawRecordStream';
export const RAW_JSON_BODY = 'runnelRawJsonBody';
export const RECORD_BATCH_CONTENT_TYPE = 'application/vnd.kafka.record-batch';
/** JSON bodies as Confluent REST v2 / Strimzi bridge clients type them (the embedded format is the route's business). */
export const V2_JSON_CONTENT_TYPES = [
  'application/vnd.kafka.v2+json',
  'application/vnd.kafka.json.v2+json',
  'application/vnd.kafka.binary.v2+json',
  'application/vnd.kafka.text.v2+json',
] as const;
/** The Content-Type of v2 / bridge answers. */
export const V2_CONTENT_TYPE = 'application/vnd.kafka.v2+json';

/** A v2 request's embedded format for keys and values: binary (base64), text, or JSON (the default). */
export type V2Format = 'json' | 'binary' | 'text';

function isV2JsonType(contentType: string | undefined): boolean {
  return /^\s*application\/vnd\.kafka\.([a-z]+\.)?v2\+json/i.test(contentType ?? '');
}

export function v2FormatOf(contentType: string | undefined): V2Format {
  const match = /^\s*application\/vnd\.kafka\.(binary|text|json)\.v2\+json/i.exec(contentType ?? '');
  return match === null ? 'json' : (match[1].toLowerCase() as V2Format);
}

export const ACCEPTED_CONTENT_TYPES = [
  'application/json',
  ...V2_JSON_CONTENT_TYPES,
  'application/x-ndjson',
  'application/jsonl',
  RECORD_BATCH_CONTENT_TYPE,
] as const;
export const UNSUPPORTED_MEDIA_TYPE_MESSAGE =
  'Unsupported Content-Type: send application/json (every endpoint; or application/vnd.kafka[.json|.binary|.text].v2+json), ' +
  `application/x-ndjson or application/jsonl (POST .../records) or ${RECORD_BATCH_CONTENT_TYPE} (POST .../batches)`;

type Done = (error: Error | null, body?: unknown) => void;

export function installBodyParsers(fastify: FastifyInstance, maxRequestBytes: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  if (fastify.hasContentTypeParser('application/json')) fastify.removeContentTypeParser('application/json');
  if (fastify.hasContentTypeParser('text/plain')) fastify.removeContentTypeParser('text/plain');
  fastify.addContentTypeParser(
    ['application/json', ...V2_JSON_CONTENT_TYPES],
    (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
      if (wantsRawStream(request) || routeFlag(request, RAW_JSON_BODY)) {
        done(null, payload);
        return;
      }
      readBody(request, payload, maxRequestBytes, (error, body) => {
        if (error) done(error);
        // An empty v2-typed body is no body: Confluent's clients commit everything consumed with an empty typed POST.
        else if (body!.length === 0 && isV2JsonType(request.headers['content-type'])) done(null, undefined);
        else if (jsonDepthExceeds(body!)) done(httpError(400, `Invalid JSON: nested deeper than ${MAX_JSON_DEPTH} levels`));
        else parseJson(request, body as unknown as string, done); // the parser takes strings and Buffers alike
      });
    },
  );
  fastify.addContentTypeParser(
    ['application/x-ndjson', 'application/jsonl'],
    (request: FastifyRequest, payload: IncomingMessage, done: Done) => {
      if (wantsRawStream(request)) done(null, payload);
      else done(httpError(415, `Content-Type ${request.headers['content-type']} is accepted only by the records endpoint`));
    },
  );
  fastify.addContentTypeParser(RECORD_BATCH_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: maxRequestBytes }, (_request, body, done) => {
    done(null, body);
  });
}

function wantsRawStream(request: FastifyRequest): boolean {
  return routeFlag(request, RAW_RECORD_STREAM);
}

function routeFlag(request: FastifyRequest, flag: string): boolean {
  return (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[flag] === true;
}

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/** Reads a whole body, refusing it (413) as soon as it passes `limit` bytes. */
function readBody(
  request: FastifyRequest,
  payload: IncomingMessage,
  limit: number,
  done: (error: Error | null, body?: Buffer) => void,
): void {
  const tooLarge = (): Error => httpError(413, `Request body is larger than the broker's limit of ${limit} bytes`);
  if (Number(request.headers['content-length']) > limit) {
    done(tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let received = 0;
  const cleanup = (): void => {
    payload.off('data', onData);
    payload.off('end', onEnd);
    payload.off('error', onEnd);
  };
  function onData(chunk: Buffer): void {
    received += chunk.length;
    if (received > limit) {
      cleanup();
      done(tooLarge());
      return;
    }
    chunks.push(chunk);
  }
  function onEnd(error?: Error): void {
    cleanup();
    if (error) done(Object.assign(error, { statusCode: 400 }));
    else done(null, Buffer.concat(chunks, received));
  }
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onEnd);
}
