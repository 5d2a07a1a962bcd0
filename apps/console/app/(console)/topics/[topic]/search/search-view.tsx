'use client';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Checkbox, Field, Input, Select } from '@/components/ui/field';
import { Section } from '@/components/ui/page-header';
import { useTimeZone } from '@/components/ui/time-zone';
import { apiFetch, ApiError } from '@/lib/client-api';
import { formatBytes, formatNumber, parseZonedTime } from '@/lib/format';
import { RecordCard } from '../messages/record-card';
import { toRow, type BrokerRecord, type Row } from '../messages/record-data';

type Field_ = 'value' | 'key' | 'header';
type Op = 'contains' | 'equals' | 'json';

interface Condition {
  field: Field_;
  header: string;
  op: Op;
  path: string;
  text: string;
  caseInsensitive: boolean;
}

const NEW_CONDITION: Condition = { field: 'value', header: '', op: 'contains', path: '$.', text: '', caseInsensitive: false };

interface Estimate {
  records: number;
  bytes: number;
  partitions: { partition_id: number }[];
}

interface Progress {
  records_scanned: number;
  bytes_scanned: number;
  partitions_done: number;
  partitions_total: number;
  percent: number;
}

interface Done {
  reason: 'end' | 'max_matches' | 'budget_time' | 'budget_bytes';
  cursor: string | null;
  records_scanned: number;
  bytes_scanned: number;
  matches: number;
}

type RangeKind = 'earliest' | 'latest' | 'offset' | 'timestamp';

/** The filter of the contract (data, never code) from the form's conditions. */
export function buildFilter(conditions: Condition[], combine: 'all' | 'any'): unknown {
  const nodes = conditions.map((c) => {
    if (c.field === 'header') {
      if (c.header === '') throw new Error('a header condition needs the header name');
      return { header: c.header, [c.op === 'equals' ? 'equals' : 'contains']: c.text };
    }
    if (c.op === 'json') {
      let equals: unknown;
      try {
        equals = JSON.parse(c.text);
      } catch {
        equals = c.text; // plain text means the JSON string
      }
      return { [c.field]: { json: { path: c.path, equals } } };
    }
    return { [c.field]: { [c.op]: c.text }, ...(c.caseInsensitive ? { case_insensitive: true } : {}) };
  });
  return nodes.length === 1 ? nodes[0] : { [combine]: nodes };
}

/**
 * Broker-side search: builds the filter, shows the range's estimate before starting, streams
 * matches with progress (NDJSON over the console's proxy), cancels (closing the request stops the
 * broker's scan), and continues from the cursor a budget or max_matches stopped at.
 */
export function SearchView({ topic, partitions, readDenied }: { topic: string; partitions: number[]; readDenied?: string }) {
  const id = useId();
  const zone = useTimeZone();
  const [conditions, setConditions] = useState<Condition[]>([NEW_CONDITION]);
  const [combine, setCombine] = useState<'all' | 'any'>('all');
  const [fromKind, setFromKind] = useState<RangeKind>('earliest');
  const [fromText, setFromText] = useState('');
  const [toKind, setToKind] = useState<RangeKind>('latest');
  const [toText, setToText] = useState('');
  const [partitionsText, setPartitionsText] = useState('');
  const [maxSeconds, setMaxSeconds] = useState('30');
  const [maxMiB, setMaxMiB] = useState('1024');
  const [maxMatches, setMaxMatches] = useState('100');
  const [estimate, setEstimate] = useState<Estimate | null>(null);
  const [estimateError, setEstimateError] = useState<unknown>(null);
  const [rangeError, setRangeError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [state, setState] = useState<'idle' | 'running' | 'done' | 'cancelled' | 'failed'>('idle');
  const [progress, setProgress] = useState<Progress | null>(null);
  const [done, setDone] = useState<Done | null>(null);
  const [matches, setMatches] = useState<Row[]>([]);
  const [error, setError] = useState<unknown>(null);
  const running = useRef<AbortController | null>(null);
  const lastBody = useRef<Record<string, unknown> | null>(null);
  const estimateRef = useRef<Estimate | null>(null);

  useEffect(() => () => running.current?.abort(), []);

  /** `earliest|latest|offset:n|timestamp:ms` for the estimate, and the search body's form. */
  const spec = (kind: RangeKind, text: string, side: 'from' | 'to'): { query: string; body: unknown } => {
    if (kind === 'earliest' || kind === 'latest') return { query: kind, body: kind };
    if (kind === 'offset') {
      if (!/^\d{1,16}$/.test(text.trim())) throw new Error(`${side}: an offset is a whole number from 0`);
      return { query: `offset:${text.trim()}`, body: { offset: Number(text.trim()) } };
    }
    const ms = parseZonedTime(text, zone);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`${side}: enter a time as YYYY-MM-DD HH:MM[:SS] in ${zone}`);
    return { query: `timestamp:${ms}`, body: { timestamp: ms } };
  };
  const partitionList = (): number[] | undefined => {
    const text = partitionsText.trim();
    if (text === '') return undefined;
    const ids = text.split(',').map((p) => p.trim());
    if (ids.some((p) => !/^\d+$/.test(p) || !partitions.includes(Number(p))))
      throw new Error(
        `partitions: comma-separated ids from ${partitions.length > 0 ? `0 to ${partitions[partitions.length - 1]}` : 'the topic'}`,
      );
    return ids.map(Number);
  };

  // The estimate of the range, whenever the range changes (debounced, stale answers dropped).
  useEffect(() => {
    let query: URLSearchParams;
    try {
      query = new URLSearchParams({ from: spec(fromKind, fromText, 'from').query, to: spec(toKind, toText, 'to').query });
      const list = partitionList();
      if (list) query.set('partitions', list.join(','));
    } catch (e) {
      setEstimate(null);
      setRangeError((e as Error).message);
      return;
    }
    setRangeError(null);
    const controller = new AbortController();
    const timer = setTimeout(async () => {
      try {
        const answer = await apiFetch(`/v3/clusters/-/topics/${encodeURIComponent(topic)}/records:estimate?${query.toString()}`, {
          signal: controller.signal,
        });
        const body = (await answer.json()) as Estimate & { error_code?: number; message?: string };
        if (!answer.ok) throw new ApiError(answer.status, body.error_code ?? answer.status, body.message ?? answer.statusText);
        setEstimate(body);
        setEstimateError(null);
      } catch (e) {
        if (!controller.signal.aborted) setEstimateError(e);
      }
    }, 300);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [topic, fromKind, fromText, toKind, toText, partitionsText, zone]);

  const run = async (body: Record<string, unknown>, append: boolean) => {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    lastBody.current = body;
    setState('running');
    setError(null);
    setDone(null);
    setProgress(null);
    if (!append) setMatches([]);
    try {
      const answer = await apiFetch(`/v3/clusters/-/topics/${encodeURIComponent(topic)}/records:search`, {
        method: 'POST',
        body: JSON.stringify(body),
        signal: controller.signal,
        headers: { accept: 'application/x-ndjson' },
      });
      if (!answer.ok || !answer.body) {
        const refusal = (await answer.json().catch(() => ({}))) as { error_code?: number; message?: string };
        throw new ApiError(answer.status, refusal.error_code ?? answer.status, refusal.message ?? answer.statusText);
      }
      const reader = answer.body.getReader();
      const decoder = new TextDecoder();
      let buffered = '';
      let finished: Done | null = null;
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        buffered += decoder.decode(value, { stream: true });
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        const found: Row[] = [];
        for (const line of lines) {
          if (line.trim() === '') continue;
          const event = JSON.parse(line) as { type: string } & Record<string, unknown>;
          if (event.type === 'match') found.push(toRow(event.record as BrokerRecord));
          else if (event.type === 'progress') setProgress(event as unknown as Progress);
          else if (event.type === 'estimate') {
            estimateRef.current = event as unknown as Estimate;
            setEstimate(estimateRef.current);
          } else if (event.type === 'done') finished = event as unknown as Done;
          else if (event.type === 'error')
            throw new ApiError(500, Number(event.error_code ?? 500), String(event.message ?? 'the search failed'));
        }
        if (found.length > 0) setMatches((old) => [...old, ...found]);
      }
      if (!finished) throw new Error('The search stream ended without its last line');
      const last: Done = finished;
      setDone(last);
      // The last line's totals; at "end" every partition of the range is done.
      setProgress((p) => {
        const total = p?.partitions_total || (estimateRef.current?.partitions.length ?? 0);
        const end = last.reason === 'end';
        return {
          records_scanned: last.records_scanned,
          bytes_scanned: last.bytes_scanned,
          partitions_total: total,
          partitions_done: end ? total : (p?.partitions_done ?? 0),
          // Stopped early before any progress line (a fast search): the share of the estimated bytes scanned.
          percent: end
            ? 100
            : Math.max(
                p?.percent ?? 0,
                estimateRef.current?.bytes ? Math.min(100, (100 * last.bytes_scanned) / estimateRef.current.bytes) : 0,
              ),
        };
      });
      setState('done');
    } catch (e) {
      if (controller.signal.aborted) setState('cancelled');
      else {
        setError(e);
        setState('failed');
      }
    } finally {
      if (running.current === controller) running.current = null;
    }
  };

  const start = (event: FormEvent) => {
    event.preventDefault();
    let body: Record<string, unknown>;
    try {
      const list = partitionList();
      const seconds = Number(maxSeconds);
      const mib = Number(maxMiB);
      const most = Number(maxMatches);
      if (!(seconds > 0)) throw new Error('time budget: seconds above 0');
      if (!(mib > 0)) throw new Error('byte budget: MiB above 0');
      if (!Number.isInteger(most) || most < 1 || most > 1000) throw new Error('max matches: 1 to 1000');
      if (conditions.some((c) => c.text === '' && c.op !== 'json')) throw new Error('every condition needs text to look for');
      body = {
        filter: buildFilter(conditions, combine),
        from: spec(fromKind, fromText, 'from').body,
        to: spec(toKind, toText, 'to').body,
        max_matches: most,
        budget: { max_ms: Math.round(seconds * 1000), max_bytes: Math.round(mib * 1024 * 1024) },
        format: 'binary',
        ...(list ? { partitions: list } : {}),
      };
    } catch (e) {
      setFormError((e as Error).message);
      return;
    }
    setFormError(null);
    void run(body, false);
  };

  const setCondition = (i: number, change: Partial<Condition>) =>
    setConditions(conditions.map((c, j) => (j === i ? { ...c, ...change } : c)));
  const reasons: Record<Done['reason'], string> = {
    end: 'Scanned the whole range.',
    max_matches: 'Stopped at the most matches asked for.',
    budget_time: 'The time budget ran out.',
    budget_bytes: 'The byte budget ran out.',
  };

  return (
    <div className="space-y-6">
      <form onSubmit={start} aria-label="Search" className="space-y-4">
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Filter (evaluated in the broker)</legend>
          {conditions.length > 1 ? (
            <Field id={`${id}-combine`} label="Records must match" className="w-56">
              <Select id={`${id}-combine`} value={combine} onChange={(e) => setCombine(e.target.value as 'all' | 'any')}>
                <option value="all">All conditions</option>
                <option value="any">Any condition</option>
              </Select>
            </Field>
          ) : null}
          {conditions.map((c, i) => (
            <div key={i} className="flex flex-wrap items-end gap-2 rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
              <Field id={`${id}-c${i}-field`} label={`Condition ${i + 1}: field`} className="w-44">
                <Select
                  id={`${id}-c${i}-field`}
                  value={c.field}
                  onChange={(e) => {
                    const field = e.target.value as Field_;
                    setCondition(i, { field, op: field === 'header' && c.op === 'json' ? 'contains' : c.op });
                  }}
                >
                  <option value="value">Value</option>
                  <option value="key">Key</option>
                  <option value="header">Header</option>
                </Select>
              </Field>
              {c.field === 'header' ? (
                <Field id={`${id}-c${i}-header`} label={`Condition ${i + 1}: header name`} className="w-44">
                  <Input id={`${id}-c${i}-header`} value={c.header} onChange={(e) => setCondition(i, { header: e.target.value })} />
                </Field>
              ) : null}
              <Field id={`${id}-c${i}-op`} label={`Condition ${i + 1}: match`} className="w-48">
                <Select id={`${id}-c${i}-op`} value={c.op} onChange={(e) => setCondition(i, { op: e.target.value as Op })}>
                  <option value="contains">Contains</option>
                  <option value="equals">Equals</option>
                  {c.field === 'header' ? null : <option value="json">JSON path equals</option>}
                </Select>
              </Field>
              {c.op === 'json' ? (
                <Field id={`${id}-c${i}-path`} label={`Condition ${i + 1}: JSON path`} className="w-44">
                  <Input
                    id={`${id}-c${i}-path`}
                    value={c.path}
                    className="font-mono"
                    onChange={(e) => setCondition(i, { path: e.target.value })}
                  />
                </Field>
              ) : null}
              <Field
                id={`${id}-c${i}-text`}
                label={c.op === 'json' ? `Condition ${i + 1}: JSON value` : `Condition ${i + 1}: text`}
                className="min-w-48 flex-1"
              >
                <Input
                  id={`${id}-c${i}-text`}
                  value={c.text}
                  className="font-mono"
                  onChange={(e) => setCondition(i, { text: e.target.value })}
                />
              </Field>
              {c.field !== 'header' && c.op !== 'json' ? (
                <Checkbox
                  id={`${id}-c${i}-ci`}
                  label="Ignore case"
                  checked={c.caseInsensitive}
                  onChange={(e) => setCondition(i, { caseInsensitive: e.target.checked })}
                />
              ) : null}
              {conditions.length > 1 ? (
                <Button
                  variant="ghost"
                  aria-label={`Remove condition ${i + 1}`}
                  onClick={() => setConditions(conditions.filter((_, j) => j !== i))}
                >
                  Remove
                </Button>
              ) : null}
            </div>
          ))}
          <Button onClick={() => setConditions([...conditions, NEW_CONDITION])} disabled={conditions.length >= 16}>
            Add condition
          </Button>
        </fieldset>
        <fieldset className="flex flex-wrap items-end gap-3">
          <legend className="mb-2 text-sm font-medium text-zinc-800 dark:text-zinc-200">Range and budget</legend>
          <Field id={`${id}-from`} label="From" className="w-36">
            <Select id={`${id}-from`} value={fromKind} onChange={(e) => setFromKind(e.target.value as RangeKind)}>
              <option value="earliest">Earliest</option>
              <option value="offset">Offset</option>
              <option value="timestamp">Time</option>
            </Select>
          </Field>
          {fromKind === 'offset' || fromKind === 'timestamp' ? (
            <Field id={`${id}-from-at`} label={fromKind === 'offset' ? 'From offset' : `From time (${zone})`} className="w-52">
              <Input
                id={`${id}-from-at`}
                value={fromText}
                placeholder={fromKind === 'offset' ? '0' : 'YYYY-MM-DD HH:MM:SS'}
                onChange={(e) => setFromText(e.target.value)}
              />
            </Field>
          ) : null}
          <Field id={`${id}-to`} label="To" className="w-36">
            <Select id={`${id}-to`} value={toKind} onChange={(e) => setToKind(e.target.value as RangeKind)}>
              <option value="latest">Latest</option>
              <option value="offset">Offset</option>
              <option value="timestamp">Time</option>
            </Select>
          </Field>
          {toKind === 'offset' || toKind === 'timestamp' ? (
            <Field id={`${id}-to-at`} label={toKind === 'offset' ? 'To offset' : `To time (${zone})`} className="w-52">
              <Input
                id={`${id}-to-at`}
                value={toText}
                placeholder={toKind === 'offset' ? '1000' : 'YYYY-MM-DD HH:MM:SS'}
                onChange={(e) => setToText(e.target.value)}
              />
            </Field>
          ) : null}
          <Field id={`${id}-partitions`} label="Partitions" hint="Empty: all" className="w-36">
            <Input id={`${id}-partitions`} value={partitionsText} placeholder="0,1" onChange={(e) => setPartitionsText(e.target.value)} />
          </Field>
          <Field id={`${id}-seconds`} label="Time budget (s)" className="w-32">
            <Input id={`${id}-seconds`} inputMode="decimal" value={maxSeconds} onChange={(e) => setMaxSeconds(e.target.value)} />
          </Field>
          <Field id={`${id}-mib`} label="Byte budget (MiB)" className="w-36">
            <Input id={`${id}-mib`} inputMode="decimal" value={maxMiB} onChange={(e) => setMaxMiB(e.target.value)} />
          </Field>
          <Field id={`${id}-max`} label="Max matches" className="w-32">
            <Input id={`${id}-max`} inputMode="numeric" value={maxMatches} onChange={(e) => setMaxMatches(e.target.value)} />
          </Field>
        </fieldset>
        <p data-testid="estimate" className="text-sm text-zinc-600 dark:text-zinc-400">
          {estimate
            ? `The range holds about ${formatNumber(estimate.records)} records (${formatBytes(estimate.bytes)}) in ${estimate.partitions.length} partitions.`
            : rangeError
              ? `No estimate yet: ${rangeError}.`
              : 'Estimating the range…'}
        </p>
        {estimateError ? <ErrorBox error={estimateError} title="The range cannot be estimated" /> : null}
        {formError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {formError}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" variant="primary" disabled={state === 'running'} disabledReason={readDenied}>
            Search
          </Button>
          {state === 'running' ? (
            <Button variant="danger" onClick={() => running.current?.abort()}>
              Cancel
            </Button>
          ) : null}
          {state === 'done' && done?.cursor && lastBody.current ? (
            <Button onClick={() => void run({ ...lastBody.current!, cursor: done.cursor }, true)}>Continue</Button>
          ) : null}
        </div>
      </form>

      {state !== 'idle' ? (
        <div role="status" aria-live="polite" data-testid="search-progress" className="space-y-1 text-sm">
          <progress
            aria-label="Scan progress"
            className="h-2 w-full accent-blue-600"
            max={100}
            value={progress ? Math.min(100, progress.percent) : 0}
          />
          <p className="text-zinc-700 dark:text-zinc-300">
            {state === 'running' ? 'Searching: ' : state === 'cancelled' ? 'Cancelled: ' : state === 'failed' ? 'Failed: ' : 'Done: '}
            {formatNumber(progress?.records_scanned ?? 0)} records ({formatBytes(progress?.bytes_scanned ?? 0)}) scanned
            {progress && progress.partitions_total > 0
              ? `, ${progress.partitions_done} of ${progress.partitions_total} partitions done`
              : ''}
            {progress ? `, ${formatNumber(progress.percent, 1)} %` : ''}; {formatNumber(matches.length)} matches.
          </p>
          {state === 'done' && done ? (
            <p className="text-zinc-600 dark:text-zinc-400">
              {reasons[done.reason]}
              {done.cursor ? ' Continue to search on from where it stopped.' : ''}
            </p>
          ) : null}
        </div>
      ) : null}
      {error ? <ErrorBox error={error} title="The search failed" /> : null}
      {state === 'done' && matches.length === 0 ? <Notice>No record in the scanned range matches.</Notice> : null}
      {matches.length > 0 ? (
        <Section title="Matches">
          <div className="space-y-2" data-testid="matches">
            {matches.map((row) => (
              <RecordCard key={`${row.partition}-${row.offset}`} topic={topic} row={row} />
            ))}
          </div>
        </Section>
      ) : null}
    </div>
  );
}
