'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useId, useState } from 'react';
import { Button, buttonClass } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Checkbox, Field, Input } from '@/components/ui/field';
import { TBody, TD, TH, THead, TR, Table } from '@/components/ui/table';
import { useTimeZone } from '@/components/ui/time-zone';
import { ApiError, api } from '@/lib/client-api';
import { formatNumber, formatTime, parseZonedTime } from '@/lib/format';

type TargetKind = 'earliest' | 'latest' | 'offset' | 'timestamp' | 'shift_by';

interface PartitionInfo {
  partition_id: number;
  earliest_offset: number;
  high_watermark: number;
}

interface ResetResult {
  topic_name: string;
  partition_id: number;
  previous_offset: number | null;
  new_offset: number;
}

interface ResetRequest {
  topic: string;
  partitions?: number[];
  to: 'earliest' | 'latest' | { offset: number } | { timestamp: number } | { shift_by: number };
}

const TARGETS: { kind: TargetKind; label: string; hint: string }[] = [
  { kind: 'earliest', label: 'Earliest', hint: 'the oldest record still in the log' },
  { kind: 'latest', label: 'Latest', hint: 'the end of the log: skip everything not consumed yet' },
  { kind: 'offset', label: 'An offset', hint: 'one offset for every chosen partition (kept inside the log)' },
  { kind: 'timestamp', label: 'A time', hint: 'the first record at or after a time (the time index finds it)' },
  { kind: 'shift_by', label: 'A shift', hint: 'move the committed offset forward (positive) or back (negative)' },
];

const topicPath = (topic: string) => `/v3/clusters/-/topics/${encodeURIComponent(topic)}`;

/**
 * The reset form: topic, partitions and target; "Preview" asks the broker for a dry run and
 * shows each partition's committed offset and lag before → after; "Apply" sends the same request
 * for real. Changing anything discards the preview, so what is applied is what was previewed.
 */
export function ResetForm({
  group,
  topics,
  initialTopic,
  disabledReason,
}: {
  group: string;
  topics: string[];
  initialTopic: string;
  disabledReason?: string;
}) {
  const router = useRouter();
  const zone = useTimeZone();
  const ids = useId();
  const [topic, setTopic] = useState(initialTopic);
  const [partitions, setPartitions] = useState<PartitionInfo[] | null>(null);
  const [topicError, setTopicError] = useState<string | null>(null);
  const [all, setAll] = useState(true);
  const [chosen, setChosen] = useState<number[]>([]);
  const [kind, setKind] = useState<TargetKind>('earliest');
  const [offset, setOffset] = useState('0');
  const [timestamp, setTimestamp] = useState(() => formatTime(Date.now() - 3_600_000, zone).slice(0, 19));
  const [shift, setShift] = useState('-1');
  const [inputError, setInputError] = useState<string | null>(null);
  const [preview, setPreview] = useState<{ request: ResetRequest; results: ResetResult[] } | null>(null);
  const [applied, setApplied] = useState<ResetResult[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  // The chosen topic's partitions (for the partition choice and the lag after the reset).
  useEffect(() => {
    setPartitions(null);
    setTopicError(null);
    setChosen([]);
    if (!topic.trim()) return;
    let cancelled = false;
    const timer = setTimeout(async () => {
      try {
        const answer = await api<{ data: PartitionInfo[] }>('GET', `${topicPath(topic.trim())}/partitions`);
        if (!cancelled) setPartitions([...answer.data].sort((a, b) => a.partition_id - b.partition_id));
      } catch (e) {
        if (!cancelled) setTopicError(e instanceof Error ? e.message : String(e));
      }
    }, 250);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [topic]);

  // Anything changed: the preview no longer describes what would be applied.
  useEffect(() => {
    setPreview(null);
    setError(null);
  }, [topic, all, chosen, kind, offset, timestamp, shift]);

  function request(): ResetRequest | string {
    const name = topic.trim();
    if (!name) return 'Choose a topic.';
    if (!all && chosen.length === 0) return 'Choose at least one partition, or all of them.';
    let to: ResetRequest['to'];
    switch (kind) {
      case 'earliest':
      case 'latest':
        to = kind;
        break;
      case 'offset': {
        const n = Number(offset);
        if (!/^\d+$/.test(offset.trim()) || !Number.isSafeInteger(n)) return 'The offset must be a whole number, 0 or more.';
        to = { offset: n };
        break;
      }
      case 'timestamp': {
        const ms = parseZonedTime(timestamp, zone);
        if (!Number.isFinite(ms)) return `Write the time as YYYY-MM-DD HH:MM[:SS] (in ${zone}).`;
        to = { timestamp: Math.max(0, ms) };
        break;
      }
      case 'shift_by': {
        const n = Number(shift);
        if (!/^[-+]?\d+$/.test(shift.trim()) || !Number.isSafeInteger(n)) return 'The shift must be a whole number (negative moves back).';
        to = { shift_by: n };
        break;
      }
    }
    return { topic: name, ...(all ? {} : { partitions: [...chosen].sort((a, b) => a - b) }), to };
  }

  async function run(dryRun: boolean) {
    const built = dryRun ? request() : preview!.request;
    if (typeof built === 'string') {
      setInputError(built);
      return;
    }
    setInputError(null);
    setError(null);
    setBusy(true);
    try {
      const answer = await api<{ data: ResetResult[] }>(
        'POST',
        `/v3/clusters/-/consumer-groups/${encodeURIComponent(group)}/offsets:reset`,
        {
          ...built,
          dry_run: dryRun,
        },
      );
      if (dryRun) {
        setApplied(null);
        setPreview({ request: built, results: answer.data });
      } else {
        setApplied(answer.data);
        setPreview(null);
        router.refresh();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const end = new Map((partitions ?? []).map((p) => [p.partition_id, p.high_watermark]));
  const conflict = error instanceof ApiError && error.errorCode === 40901;

  return (
    <div className="max-w-3xl space-y-6">
      <form
        className="space-y-5"
        aria-label="Offset reset"
        onSubmit={(e) => {
          e.preventDefault();
          void run(true);
        }}
      >
        <Field
          id={`${ids}-topic`}
          label="Topic"
          hint={
            topics.length > 0 ? 'The topics this group has offsets for or subscribes to are suggested; any topic may be named.' : undefined
          }
          error={topicError}
        >
          <Input
            id={`${ids}-topic`}
            list={`${ids}-topics`}
            value={topic}
            onChange={(e) => setTopic(e.target.value)}
            autoComplete="off"
            aria-invalid={topicError ? true : undefined}
          />
          <datalist id={`${ids}-topics`}>
            {topics.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </Field>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Partitions</legend>
          <Checkbox id={`${ids}-all`} label="All partitions" checked={all} onChange={(e) => setAll(e.target.checked)} />
          {!all ? (
            partitions === null ? (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                {topicError ? 'Name an existing topic first.' : 'Loading partitions…'}
              </p>
            ) : (
              <div className="flex max-h-48 flex-wrap gap-x-4 gap-y-1 overflow-y-auto rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
                {partitions.map((p) => (
                  <Checkbox
                    key={p.partition_id}
                    id={`${ids}-p${p.partition_id}`}
                    label={`Partition ${p.partition_id}`}
                    checked={chosen.includes(p.partition_id)}
                    onChange={(e) =>
                      setChosen((now) => (e.target.checked ? [...now, p.partition_id] : now.filter((id) => id !== p.partition_id)))
                    }
                  />
                ))}
              </div>
            )
          ) : null}
        </fieldset>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Reset to</legend>
          {TARGETS.map((t) => (
            <div key={t.kind} className="flex flex-wrap items-center gap-3">
              <label
                htmlFor={`${ids}-to-${t.kind}`}
                className="inline-flex w-32 items-center gap-2 text-sm text-zinc-800 dark:text-zinc-200"
              >
                <input
                  id={`${ids}-to-${t.kind}`}
                  type="radio"
                  name="target"
                  value={t.kind}
                  checked={kind === t.kind}
                  onChange={() => setKind(t.kind)}
                  className="size-4 accent-blue-600"
                />
                {t.label}
              </label>
              <span className="text-xs text-zinc-500 dark:text-zinc-400">{t.hint}</span>
            </div>
          ))}
          {kind === 'offset' ? (
            <Field id={`${ids}-offset`} label="Offset" className="w-48">
              <Input id={`${ids}-offset`} inputMode="numeric" value={offset} onChange={(e) => setOffset(e.target.value)} />
            </Field>
          ) : null}
          {kind === 'timestamp' ? (
            <Field id={`${ids}-time`} label={`Time (${zone})`} hint="YYYY-MM-DD HH:MM:SS in your time zone (Settings)" className="w-72">
              <Input
                id={`${ids}-time`}
                value={timestamp}
                onChange={(e) => setTimestamp(e.target.value)}
                placeholder="2026-12-06 14:00:00"
              />
            </Field>
          ) : null}
          {kind === 'shift_by' ? (
            <Field id={`${ids}-shift`} label="Shift by (records)" className="w-48">
              <Input id={`${ids}-shift`} inputMode="numeric" value={shift} onChange={(e) => setShift(e.target.value)} />
            </Field>
          ) : null}
        </fieldset>

        {inputError ? (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {inputError}
          </p>
        ) : null}
        <Button type="submit" variant="secondary" disabledReason={disabledReason} disabled={busy}>
          Preview
        </Button>
      </form>

      {error ? (
        <div className="space-y-2">
          <ErrorBox error={error} />
          {conflict ? (
            <Notice tone="warning">
              The group must be empty to reset its offsets: stop its consumers (or wait for their session timeout), then preview again.
            </Notice>
          ) : null}
        </div>
      ) : null}

      {preview ? (
        <section aria-label="Preview" className="space-y-3">
          <h2 className="text-lg font-semibold">Preview</h2>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Nothing has changed yet. Each partition of {preview.request.topic} would move:
          </p>
          <ResultTable results={preview.results} end={end} caption="Offsets before and after the reset" />
          <div className="flex gap-2">
            <Button variant="danger" onClick={() => void run(false)} disabled={busy} disabledReason={disabledReason}>
              Apply reset
            </Button>
            <Button variant="ghost" onClick={() => setPreview(null)} disabled={busy}>
              Discard preview
            </Button>
          </div>
        </section>
      ) : null}

      {applied ? (
        <section aria-label="Applied" className="space-y-3">
          <Notice tone="success">
            Offsets reset: {applied.length} partition{applied.length === 1 ? '' : 's'} of {applied[0]?.topic_name ?? topic} now start at the
            new offsets.
          </Notice>
          <ResultTable results={applied} end={end} caption="Offsets the reset committed" />
          <Link href={`/groups/${encodeURIComponent(group)}`} className={buttonClass('secondary')}>
            Back to the group
          </Link>
        </section>
      ) : null}
    </div>
  );
}

function ResultTable({ results, end, caption }: { results: ResetResult[]; end: Map<number, number>; caption: string }) {
  return (
    <Table caption={caption}>
      <THead>
        <tr>
          <TH className="text-right">Partition</TH>
          <TH className="text-right">Offset (before → after)</TH>
          <TH className="text-right">Lag (before → after)</TH>
        </tr>
      </THead>
      <TBody>
        {results.map((r) => {
          const hw = end.get(r.partition_id);
          const lagBefore = hw === undefined || r.previous_offset === null ? null : Math.max(0, hw - r.previous_offset);
          const lagAfter = hw === undefined ? null : Math.max(0, hw - r.new_offset);
          return (
            <TR key={r.partition_id}>
              <TD className="text-right tabular-nums">{r.partition_id}</TD>
              <TD className="text-right tabular-nums" data-testid={`offset-${r.partition_id}`}>
                {r.previous_offset === null ? 'none' : formatNumber(r.previous_offset)} → {formatNumber(r.new_offset)}
              </TD>
              <TD className="text-right tabular-nums" data-testid={`lag-${r.partition_id}`}>
                {lagBefore === null ? '—' : formatNumber(lagBefore)} → {lagAfter === null ? '—' : formatNumber(lagAfter)}
                {lagBefore !== null && lagAfter !== null && lagAfter !== lagBefore ? (
                  <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">
                    ({lagAfter > lagBefore ? '+' : '−'}
                    {formatNumber(Math.abs(lagAfter - lagBefore))})
                  </span>
                ) : null}
              </TD>
            </TR>
          );
        })}
      </TBody>
    </Table>
  );
}
