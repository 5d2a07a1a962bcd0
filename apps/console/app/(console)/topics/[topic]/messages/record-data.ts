/**
 * Records as the message pages hand them to the browser: keys, values and header values as
 * bounded previews of their bytes (base64), with their full size. Pure functions, used by the
 * server (cutting broker answers down) and the browser (rendering, export, produce).
 */

/** Bytes of a value the list ever holds; the rest is fetched with "Load all". */
export const VALUE_PREVIEW_BYTES = 4096;
/** Bytes of a key or a header value the list holds. */
export const KEY_PREVIEW_BYTES = 1024;
/** Headers shown per record (the rest are counted). */
export const MAX_HEADERS = 32;

/** Bytes, cut to a preview: `b64` holds at most the preview, `size` the whole length. */
export interface Data {
  b64: string;
  size: number;
  truncated: boolean;
}

export interface Row {
  partition: number;
  offset: number;
  timestamp: number;
  /** CreateTime / LogAppendTime, when the source says. */
  timestampType?: string;
  key: Data | null;
  value: Data | null;
  headers: { name: string; value: Data | null }[];
  /** Headers not shown (beyond MAX_HEADERS). */
  moreHeaders?: number;
}

/** The broker's `{"type","data"}` (format=binary: BINARY data is base64). */
export interface Rendered {
  type: string;
  data: unknown;
}

export interface BrokerRecord {
  partition_id?: number;
  partition?: number;
  offset: number;
  timestamp: number;
  timestamp_type?: string;
  key: Rendered | null;
  value: Rendered | null;
  headers?: { name: string; value: string | null }[];
  value_truncated?: boolean;
  value_size?: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Decodes standard base64 (no padding needed), stopping after `limit` bytes. */
export function fromBase64(text: string, limit = Infinity): Uint8Array {
  // Only the prefix that holds `limit` bytes is looked at (a 50 MB value's preview costs 4 KiB).
  const source = Number.isFinite(limit) && text.length > limit * 2 + 8 ? text.slice(0, Math.ceil(limit / 3) * 4 + 4) : text;
  const clean = source.replace(/[^A-Za-z0-9+/]/g, '');
  const total = Math.floor((clean.length * 3) / 4);
  const out = new Uint8Array(Math.min(total, limit));
  let o = 0;
  for (let i = 0; i < clean.length && o < out.length; i += 4) {
    const a = B64_INDEX[clean.charCodeAt(i)];
    const b = B64_INDEX[clean.charCodeAt(i + 1)] ?? 0;
    const c = i + 2 < clean.length ? B64_INDEX[clean.charCodeAt(i + 2)] : -1;
    const d = i + 3 < clean.length ? B64_INDEX[clean.charCodeAt(i + 3)] : -1;
    const n = (a << 18) | (Math.max(b, 0) << 12) | (Math.max(c, 0) << 6) | Math.max(d, 0);
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (c >= 0 && o < out.length) out[o++] = (n >> 8) & 0xff;
    if (d >= 0 && o < out.length) out[o++] = n & 0xff;
  }
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

export function utf8Bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** The bytes of a rendered key or value (BINARY base64, STRING text, JSON value). */
export function renderedBytes(rendered: Rendered, limit = Infinity): { bytes: Uint8Array; size: number } {
  if (rendered.type === 'BINARY' && typeof rendered.data === 'string') {
    const b64 = rendered.data;
    const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
    return { bytes: fromBase64(b64, limit), size: Math.floor((b64.length * 3) / 4) - pad };
  }
  const text = rendered.type === 'STRING' && typeof rendered.data === 'string' ? rendered.data : JSON.stringify(rendered.data);
  const all = utf8Bytes(text);
  return { bytes: all.length > limit ? all.subarray(0, limit) : all, size: all.length };
}

export function preview(rendered: Rendered | null, limit: number, knownSize?: number): Data | null {
  if (rendered === null || rendered === undefined) return null;
  const { bytes, size } = renderedBytes(rendered, limit);
  const whole = knownSize ?? size;
  return { b64: toBase64(bytes), size: whole, truncated: whole > bytes.length };
}

function headerPreview(value: string | null): Data | null {
  if (value === null || value === undefined) return null;
  return preview({ type: 'BINARY', data: value }, KEY_PREVIEW_BYTES);
}

/** A broker record (REST read, WebSocket frame or search match) as a bounded row. */
export function toRow(record: BrokerRecord, valueLimit = VALUE_PREVIEW_BYTES): Row {
  const headers = record.headers ?? [];
  return {
    partition: record.partition_id ?? record.partition ?? 0,
    offset: record.offset,
    timestamp: record.timestamp,
    timestampType: record.timestamp_type,
    key: preview(record.key, KEY_PREVIEW_BYTES),
    value: preview(record.value, valueLimit, record.value_truncated ? record.value_size : undefined),
    headers: headers.slice(0, MAX_HEADERS).map((h) => ({ name: h.name, value: headerPreview(h.value) })),
    moreHeaders: headers.length > MAX_HEADERS ? headers.length - MAX_HEADERS : undefined,
  };
}

export type View = 'json' | 'text' | 'hex';

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (a cut preview may end mid-character). */
export function asText(bytes: Uint8Array, cut = false): string | null {
  try {
    // A fresh decoder each time: `stream` keeps a cut character's bytes for a next call that never comes.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: cut });
  } catch {
    return null;
  }
}

/** `48 65 6c 6c 6f  Hello` lines of 16 bytes. */
export function asHex(bytes: Uint8Array, limit = 64 * 1024): string {
  const lines: string[] = [];
  const end = Math.min(bytes.length, limit);
  for (let i = 0; i < end; i += 16) {
    const chunk = bytes.subarray(i, Math.min(i + 16, end));
    const hex = Array.from(chunk, (b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = Array.from(chunk, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** The view a record opens with: JSON when the whole value parses, text when UTF-8, else hex. */
export function defaultView(data: Data | null): View {
  if (data === null) return 'text';
  const bytes = fromBase64(data.b64);
  const text = asText(bytes, data.truncated);
  if (text === null) return 'hex';
  if (!data.truncated && parseJson(text) !== undefined) return 'json';
  return 'text';
}

export function parseJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '' || !/^[[{"\d\-tfn]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** A value for export or the produce form: text when UTF-8, else base64. */
export function exportable(data: Data | null): { encoding: 'utf8' | 'base64'; data: string; size: number; truncated: boolean } | null {
  if (data === null) return null;
  const bytes = fromBase64(data.b64);
  const text = asText(bytes, data.truncated);
  return text === null
    ? { encoding: 'base64', data: data.b64, size: data.size, truncated: data.truncated }
    : { encoding: 'utf8', data: text, size: data.size, truncated: data.truncated };
}

export function rowsToJson(topic: string, rows: Row[]): string {
  return JSON.stringify(
    rows.map((r) => ({
      topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestamp_type: r.timestampType ?? null,
      key: exportable(r.key),
      value: exportable(r.value),
      headers: r.headers.map((h) => ({ name: h.name, value: exportable(h.value) })),
    })),
    null,
    2,
  );
}

function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function rowsToCsv(topic: string, rows: Row[]): string {
  const head = ['topic', 'partition', 'offset', 'timestamp', 'timestamp_type', 'key', 'value', 'value_size', 'value_truncated', 'headers'];
  const lines = [head.join(',')];
  for (const r of rows) {
    const key = exportable(r.key);
    const value = exportable(r.value);
    const headers = r.headers.map((h) => `${h.name}=${exportable(h.value)?.data ?? ''}`).join(';');
    lines.push(
      [
        topic,
        r.partition,
        r.offset,
        new Date(r.timestamp).toISOString(),
        r.timestampType ?? '',
        key?.data,
        value?.data,
        value?.size,
        value?.truncated ? 'true' : '',
        headers,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
