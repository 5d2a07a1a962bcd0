import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE, isJsonWhitespace } from './json-chars';

/**
 * The exact text of JSON-typed key and value `data` (API.md "Encodings": `{"type":"JSON","data":
 * <any JSON>}`), so it is stored byte-exact as sent. `JSON.parse` turns numbers into doubles:
 * `9007199254740993` would come back as `…992` and `1e400` as `null` if the parsed value were
 * re-serialised. So the produce paths parse a record's text with `JSON.parse` (which also
 * validates it) and then find, in that same text, the slice each `data` came from; the slice is
 * remembered against the parsed `{type, data}` object (a WeakMap, so nothing is added to the
 * object and nothing outlives it) and `parseData` stores the slice instead of re-serialising.
 *
 * The same trick serves reads: `renderData(.., 'json')` remembers the stored text against the
 * rendered object, and the JSON writers of record-render.ts emit it unchanged.
 *
 * The scanner below relies on its input having been accepted by JSON.parse: it only finds where
 * values start and end (strings with escapes, nesting), never checks syntax. Members named twice
 * resolve to the last one, as JSON.parse does.
 */
const RAW_TEXT = new WeakMap<object, string>();

/** The raw JSON text remembered for `holder` (a `{type, data}` object), if any. */
export function rawJsonOf(holder: unknown): string | undefined {
  return typeof holder === 'object' && holder !== null ? RAW_TEXT.get(holder) : undefined;
}

export function rememberRawJson(holder: object, text: string): void {
  RAW_TEXT.set(holder, text);
}

/** JSON.parse of one record's text (API.md record shape), its key/value `data` text remembered. */
export function parseRecordText(text: string): unknown {
  const record: unknown = JSON.parse(text);
  if (mayHoldJsonData(text)) attachRecord(text, skipWhitespace(text, 0), record);
  return record;
}

/**
 * JSON.parse of an object holding an array of records in `member`: a records:batch body
 * `{"entries":[...]}` or a WebSocket produce frame `{"type":"produce","records":[...]}`; each
 * record as parseRecordText.
 */
export function parseRecordListText(text: string, member: string): unknown {
  const body: unknown = JSON.parse(text);
  if (!isPlainObject(body) || !mayHoldJsonData(text)) return body;
  const entries = body[member];
  if (!Array.isArray(entries)) return body;
  const span = lastMember(text, skipWhitespace(text, 0), member);
  if (span === undefined || text.charCodeAt(span[0]) !== OPEN_BRACKET) return body;
  forEachElement(text, span[0], (index, start) => attachRecord(text, start, entries[index]));
  return body;
}

/** Only a text naming JSON (maybe escaped) can hold a JSON-typed field: skip the scan otherwise. */
function mayHoldJsonData(text: string): boolean {
  return text.includes('JSON') || text.includes('\\u');
}

function attachRecord(text: string, start: number, record: unknown): void {
  if (!isPlainObject(record) || text.charCodeAt(start) !== OPEN_BRACE) return;
  let key: [number, number] | undefined;
  let value: [number, number] | undefined;
  forEachMember(text, start, (name, valueStart, valueEnd) => {
    if (name === 'key') key = [valueStart, valueEnd];
    else if (name === 'value') value = [valueStart, valueEnd];
  });
  if (key !== undefined) attachData(text, key[0], record.key);
  if (value !== undefined) attachData(text, value[0], record.value);
}

function attachData(text: string, start: number, holder: unknown): void {
  if (!isPlainObject(holder) || holder.type !== 'JSON' || text.charCodeAt(start) !== OPEN_BRACE) return;
  const data = lastMember(text, start, 'data');
  if (data !== undefined) RAW_TEXT.set(holder, text.slice(data[0], data[1]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function skipWhitespace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (isJsonWhitespace(c)) i++;
    else return i;
  }
}

/** `i` at a `"`: the index after its closing quote. */
function stringEnd(text: string, i: number): number {
  for (i++; ; i++) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i + 1;
  }
}

/** `i` at the first character of a value: the index after its last. */
function valueEnd(text: string, i: number): number {
  const first = text.charCodeAt(i);
  if (first === QUOTE) return stringEnd(text, i);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i = stringEnd(text, i);
        continue;
      }
      if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
      i++;
    }
  }
  // A number, true, false or null: ends at the first delimiter.
  for (;;) {
    const c = text.charCodeAt(i);
    if (Number.isNaN(c) || c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || c <= 0x20) return i;
    i++;
  }
}

/** `i` at a `{`: calls `member` with each member's name and value span, in text order. */
function forEachMember(text: string, i: number, member: (name: string, start: number, end: number) => void): void {
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACE) return;
  for (;;) {
    const nameEnd = stringEnd(text, i);
    const raw = text.slice(i + 1, nameEnd - 1);
    const name = raw.includes('\\') ? (JSON.parse(text.slice(i, nameEnd)) as string) : raw;
    i = skipWhitespace(text, nameEnd);
    if (text.charCodeAt(i) !== COLON) return; // cannot happen after JSON.parse accepted the text
    const start = skipWhitespace(text, i + 1);
    const end = valueEnd(text, start);
    member(name, start, end);
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== COMMA) return;
    i = skipWhitespace(text, i + 1);
  }
}

/** `i` at a `[`: calls `element` with each element's index and start, in order. */
function forEachElement(text: string, i: number, element: (index: number, start: number) => void): void {
  i = skipWhitespace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_BRACKET) return;
  for (let index = 0; ; index++) {
    const end = valueEnd(text, i);
    element(index, i);
    i = skipWhitespace(text, end);
    if (text.charCodeAt(i) !== COMMA) return;
    i = skipWhitespace(text, i + 1);
  }
}

function lastMember(text: string, objectStart: number, wanted: string): [number, number] | undefined {
  let span: [number, number] | undefined;
  forEachMember(text, objectStart, (name, start, end) => {
    if (name === wanted) span = [start, end];
  });
  return span;
}
