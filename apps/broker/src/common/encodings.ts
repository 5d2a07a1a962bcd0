import { isUtf8 } from 'node:buffer';
import { badRequest } from './errors';
import { rawJsonOf, rememberRawJson } from './raw-json';

/**
 * API.md "Encodings": keys and values travel in JSON as `{"type": "BINARY"|"JSON"|"STRING",
 * "data"}` (absent or null = null), headers as `[{"name", "value": <base64>|null}]`. Parsing is
 * strict — a wrong type or invalid base64 is a 40001 naming the field — and rendering picks the
 * shape from the read's `format`.
 */

export type DataType = 'BINARY' | 'JSON' | 'STRING';
export type ReadFormat = 'binary' | 'string' | 'json';
export interface RenderedData {
  type: DataType;
  data: unknown;
}
export interface RecordHeaderBytes {
  key: string;
  value: Buffer | null;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

export function decodeBase64(field: string, text: unknown): Buffer {
  if (typeof text !== 'string' || !BASE64.test(text)) throw badRequest(`${field} is not valid base64`);
  return Buffer.from(text, 'base64');
}

/** Parses a key or value field; `field` names it in the error ("value", "entries[3].key"). */
export function parseData(field: string, input: unknown): Buffer | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest(`${field} must be an object {"type": "BINARY"|"JSON"|"STRING", "data": ...}`);
  }
  const { type, data } = input as { type?: unknown; data?: unknown };
  switch (type) {
    case 'BINARY':
      if (data === null || data === undefined) return null;
      return decodeBase64(`${field}.data`, data);
    case 'STRING':
      if (data === null || data === undefined) return null;
      if (typeof data !== 'string') throw badRequest(`${field}.data must be a string for type STRING`);
      return Buffer.from(data, 'utf8');
    case 'JSON':
      if (data === undefined) return null;
      // The text as sent (raw-json.ts): re-serialising the parsed value would change numbers.
      return Buffer.from(rawJsonOf(input) ?? JSON.stringify(data), 'utf8');
    default:
      throw badRequest(`${field}.type must be one of BINARY, JSON, STRING`);
  }
}

export function parseHeaders(field: string, input: unknown): RecordHeaderBytes[] {
  if (input === undefined || input === null) return [];
  if (!Array.isArray(input)) throw badRequest(`${field} must be an array of {"name", "value"}`);
  return input.map((header: unknown, i) => {
    if (typeof header !== 'object' || header === null) throw badRequest(`${field}[${i}] must be an object`);
    const { name, value } = header as { name?: unknown; value?: unknown };
    if (typeof name !== 'string') throw badRequest(`${field}[${i}].name must be a string`);
    return { key: name, value: value === null || value === undefined ? null : decodeBase64(`${field}[${i}].value`, value) };
  });
}

export function parseReadFormat(input: unknown): ReadFormat {
  if (input === undefined || input === '' || input === 'binary') return 'binary';
  if (input === 'string' || input === 'json') return input;
  throw badRequest('format must be one of binary, string, json');
}

export function renderData(bytes: Buffer | null, format: ReadFormat): RenderedData | null {
  if (bytes === null) return null;
  if (format === 'string') return { type: 'STRING', data: bytes.toString('utf8') };
  if (format === 'json') {
    // JSON if the bytes parse as JSON, else STRING if they are UTF-8 text, else BINARY.
    const text = bytes.toString('utf8');
    try {
      const rendered: RenderedData = { type: 'JSON', data: JSON.parse(text) };
      // Written as stored by the JSON writers of record-render.ts (numbers stay exact); only the
      // whitespace around the value goes (trim() only meets JSON whitespace in text JSON.parse took).
      rememberRawJson(rendered, text.trim());
      return rendered;
    } catch {
      if (isUtf8(bytes)) return { type: 'STRING', data: text };
    }
  }
  return { type: 'BINARY', data: bytes.toString('base64') };
}

export function renderHeaders(headers: readonly RecordHeaderBytes[]): { name: string; value: string | null }[] {
  return headers.map((h) => ({ name: h.key, value: h.value === null ? null : h.value.toString('base64') }));
}

export function dataTypeOf(input: unknown): DataType | null {
  const type = (input as { type?: unknown } | null | undefined)?.type;
  return type === 'BINARY' || type === 'JSON' || type === 'STRING' ? type : null;
}
