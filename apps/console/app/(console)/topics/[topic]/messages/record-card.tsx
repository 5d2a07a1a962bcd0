'use client';
import { useId, useMemo, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { Badge } from '@/components/ui/page-header';
import { TimestampType } from '@/components/ui/time';
import { ZonedTime } from '@/components/ui/time-zone';
import { apiFetch, ApiError } from '@/lib/client-api';
import { formatBytes } from '@/lib/format';
import { download } from './download';
import { asHex, asText, defaultView, fromBase64, parseJson, type Data, type Row, type View } from './record-data';

/** Characters of text (or bytes of hex) rendered at once; "Show more" adds as much again. */
const RENDER_STEP = 64 * 1024;
/** The most a loaded value renders in the page; beyond it. */
const RENDER_MAX = 1024 * 1024;
/** Values up to this size are pretty-printed as JSON; larger ones show as text. */
const PRETTY_MAX = 512 * 1024;
/** JSON nodes rendered per value. */
const JSON_NODES = 2000;

/** A JSON value as a collapsible tree (objects and arrays are <details>), at most JSON_NODES nodes. */
function JsonTree({ value }: { value: unknown }) {
  const budget = { left: JSON_NODES };
  return (
    <div className="max-h-96 overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs leading-5 dark:bg-zinc-900">
      {node(value, 0, budget)}
    </div>
  );
}

function scalar(value: unknown): ReactNode {
  if (value === null) return <span className="text-zinc-500">null</span>;
  if (typeof value === 'string') return <span className="break-all text-green-700 dark:text-green-400">{JSON.stringify(value)}</span>;
  if (typeof value === 'number') return <span className="text-blue-700 dark:text-blue-400">{String(value)}</span>;
  return <span className="text-purple-700 dark:text-purple-400">{String(value)}</span>;
}

function node(value: unknown, depth: number, budget: { left: number }): ReactNode {
  budget.left--;
  if (value === null || typeof value !== 'object') return scalar(value);
  const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
  const open = Array.isArray(value) ? '[' : '{';
  const close = Array.isArray(value) ? ']' : '}';
  if (entries.length === 0) return <span>{open + close}</span>;
  const shown: ReactNode[] = [];
  for (const [k, v] of entries) {
    if (budget.left <= 0) {
      shown.push(
        <div key="…" className="text-zinc-500">
          … {entries.length - shown.length} more (download to see all)
        </div>,
      );
      break;
    }
    shown.push(
      <div key={k} className="pl-4">
        {Array.isArray(value) ? null : <span className="text-zinc-700 dark:text-zinc-300">{JSON.stringify(k)}: </span>}
        {node(v, depth + 1, budget)}
      </div>,
    );
  }
  return (
    <details open={depth < 3} className="inline [&[open]>summary>.count]:hidden">
      <summary className="inline cursor-pointer select-none">
        {open}
        <span className="count text-zinc-500">
          {' '}
          {entries.length} {Array.isArray(value) ? 'items' : 'keys'} {close}
        </span>
      </summary>
      {shown}
      <div>{close}</div>
    </details>
  );
}

/** Lossy text for the text view (invalid bytes shown as U+FFFD). */
function lossyText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}

/** One key, value or header value in the chosen view, never rendering more than RENDER_MAX at once. */
export function DataView({
  bytes,
  size,
  truncated,
  view,
  label,
}: {
  bytes: Uint8Array;
  size: number;
  truncated: boolean;
  view: View;
  label: string;
}) {
  const [shown, setShown] = useState(RENDER_STEP);
  const json = useMemo(() => {
    if (view !== 'json' || truncated || bytes.length > PRETTY_MAX) return undefined;
    const text = asText(bytes);
    return text === null ? undefined : parseJson(text);
  }, [bytes, truncated, view]);
  if (view === 'json' && json !== undefined) return <JsonTree value={json} />;
  const cap = Math.min(shown, RENDER_MAX);
  let text: string;
  let more: boolean;
  if (view === 'hex') {
    text = asHex(bytes, cap);
    more = bytes.length > cap;
  } else {
    const part = bytes.length > cap ? bytes.subarray(0, cap) : bytes;
    text = lossyText(part);
    more = bytes.length > cap;
  }
  return (
    <div>
      {view === 'json' ? (
        <p className="mb-1 text-xs text-zinc-500 dark:text-zinc-400">
          {truncated
            ? 'A preview cannot be parsed as JSON: shown as text.'
            : bytes.length > PRETTY_MAX
              ? 'Too large to pretty-print here: shown as text.'
              : 'Not JSON: shown as text.'}
        </p>
      ) : null}
      <pre
        aria-label={label}
        className="max-h-96 overflow-auto rounded bg-zinc-50 p-2 font-mono text-xs break-all whitespace-pre-wrap dark:bg-zinc-900"
      >
        {text}
        {truncated && !more ? <span className="text-zinc-500">…</span> : null}
      </pre>
      {more ? (
        <p className="mt-1 flex items-center gap-2 text-xs text-zinc-500 dark:text-zinc-400">
          Showing {formatBytes(cap)} of {formatBytes(size)}.
          {cap < RENDER_MAX ? (
            <Button className="h-7" onClick={() => setShown(cap + RENDER_STEP)}>
              Show more
            </Button>
          ) : (
            <span>Download it to see the rest.</span>
          )}
        </p>
      ) : null}
    </div>
  );
}

/** Reads one whole record through the console's proxy and decodes its value off the main thread. */
async function loadWhole(topic: string, partition: number, offset: number): Promise<Uint8Array> {
  const answer = await apiFetch(
    `/v3/clusters/-/topics/${encodeURIComponent(topic)}/partitions/${partition}/records?offset=${offset}&max_records=1&max_bytes=1&format=binary`,
  );
  if (!answer.ok) {
    const error = (await answer.json().catch(() => ({}))) as { error_code?: number; message?: string };
    throw new ApiError(answer.status, error.error_code ?? answer.status, error.message ?? answer.statusText);
  }
  // Not JSON.parse: the answer of a 50 MB record is ~67 MB of text; the base64 is cut out of it
  // (base64 holds no quote, so the first `"value":` after the offset is the record's value).
  const text = await answer.text();
  const at = /"offset":(\d+)/.exec(text.slice(0, 200));
  if (!at || Number(at[1]) !== offset) throw new Error(`offset ${offset} is no longer in partition ${partition}`);
  const value = text.indexOf('"value":', at.index);
  if (value < 0 || text.startsWith('null', value + 8)) return new Uint8Array(0);
  const start = text.indexOf('"data":"', value) + 8;
  const b64 = text.slice(start, text.indexOf('"', start));
  // A data: URL decodes base64 in the browser's network code, not in a JavaScript loop.
  return new Uint8Array(await (await fetch(`data:application/octet-stream;base64,${b64}`)).arrayBuffer());
}

function DataBlock({ title, data, view, whole }: { title: string; data: Data | null; view: View; whole?: Uint8Array }) {
  const bytes = useMemo(() => whole ?? (data ? fromBase64(data.b64) : new Uint8Array(0)), [data, whole]);
  if (data === null) return <p className="text-xs text-zinc-500 dark:text-zinc-400">{title}: null</p>;
  return (
    <div>
      <p className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">
        {title}{' '}
        <span className="font-normal">
          ({formatBytes(data.size)}
          {data.truncated && !whole ? `, preview of the first ${formatBytes(bytes.length)}` : ''})
        </span>
      </p>
      <DataView bytes={bytes} size={data.size} truncated={data.truncated && !whole} view={view} label={title} />
    </div>
  );
}

/**
 * One record: partition, offset, time (with CreateTime / LogAppendTime), key, value and headers
 * in a per-record view (JSON, text or hex); "Load all" for a value cut to a preview.
 */
export function RecordCard({
  topic,
  row,
  timestampType,
  onReproduce,
  reproduceDisabled,
}: {
  topic: string;
  row: Row;
  timestampType?: string;
  onReproduce?: (row: Row, whole?: Uint8Array) => void;
  reproduceDisabled?: string;
}) {
  const id = useId();
  const [view, setView] = useState<View>(() => defaultView(row.value));
  const [whole, setWhole] = useState<Uint8Array | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const type = row.timestampType ?? timestampType;
  const keyView: View = view === 'json' ? defaultView(row.key) : view;
  const load = async () => {
    setLoading(true);
    setError(null);
    try {
      setWhole(await loadWhole(topic, row.partition, row.offset));
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  return (
    <article
      aria-label={`Record ${row.partition}/${row.offset}`}
      data-testid="record"
      className="space-y-2 rounded-lg border border-zinc-200 p-3 text-sm dark:border-zinc-800"
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <span className="text-zinc-600 dark:text-zinc-400">
          Partition <span className="font-medium text-zinc-900 dark:text-zinc-100">{row.partition}</span>
        </span>
        <span className="text-zinc-600 dark:text-zinc-400">
          Offset <span className="font-medium text-zinc-900 dark:text-zinc-100 tabular-nums">{row.offset}</span>
        </span>
        <ZonedTime ms={row.timestamp} />
        {type ? <TimestampType type={type === 'LOG_APPEND_TIME' || type === 'LogAppendTime' ? 'LogAppendTime' : 'CreateTime'} /> : null}
        {row.value?.truncated ? <Badge tone="amber">{formatBytes(row.value.size)}</Badge> : null}
        <span className="ml-auto flex flex-wrap items-center gap-2">
          <label htmlFor={`${id}-view`} className="text-xs text-zinc-600 dark:text-zinc-400">
            Show as
          </label>
          <select
            id={`${id}-view`}
            value={view}
            onChange={(e) => setView(e.target.value as View)}
            className="h-7 rounded border border-zinc-300 bg-white px-1 text-xs dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
          >
            <option value="json">JSON</option>
            <option value="text">Text</option>
            <option value="hex">Hex</option>
          </select>
          {row.value?.truncated && !whole ? (
            <Button
              className="h-7"
              onClick={load}
              disabled={loading}
              aria-label={`Load all ${formatBytes(row.value.size)} of record ${row.partition}/${row.offset}`}
            >
              {loading ? 'Loading…' : 'Load all'}
            </Button>
          ) : null}
          {whole ? (
            <Button
              className="h-7"
              onClick={() =>
                download(`${topic}-${row.partition}-${row.offset}.bin`, new Blob([whole as BlobPart]), 'application/octet-stream')
              }
            >
              Download value
            </Button>
          ) : null}
          {onReproduce ? (
            <Button className="h-7" disabledReason={reproduceDisabled} onClick={() => onReproduce(row, whole)}>
              Re-produce
            </Button>
          ) : null}
        </span>
      </header>
      {error ? <ErrorBox error={error} title="Could not load the whole record" /> : null}
      {row.key !== null ? <DataBlock title="Key" data={row.key} view={keyView} /> : null}
      <DataBlock title="Value" data={row.value} view={view} whole={whole} />
      {row.headers.length > 0 ? (
        <div>
          <p className="mb-1 text-xs font-medium text-zinc-600 dark:text-zinc-400">Headers</p>
          <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 font-mono text-xs">
            {row.headers.map((h, i) => (
              <HeaderEntry key={i} name={h.name} value={h.value} view={view} />
            ))}
          </dl>
          {row.moreHeaders ? <p className="text-xs text-zinc-500">… {row.moreHeaders} more headers</p> : null}
        </div>
      ) : null}
    </article>
  );
}

function HeaderEntry({ name, value, view }: { name: string; value: Data | null; view: View }) {
  const bytes = useMemo(() => (value ? fromBase64(value.b64) : null), [value]);
  let shown: string;
  if (bytes === null) shown = 'null';
  else if (view === 'hex') shown = asHex(bytes, 256);
  else shown = asText(bytes, value!.truncated) ?? asHex(bytes, 256);
  return (
    <>
      <dt className="text-zinc-600 dark:text-zinc-400">{name}</dt>
      <dd className="break-all whitespace-pre-wrap text-zinc-900 dark:text-zinc-100">{shown}</dd>
    </>
  );
}
