'use client';
import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Input, Select } from '@/components/ui/field';
import { useTimeZone } from '@/components/ui/time-zone';
import { formatTime, parseZonedTime } from '@/lib/format';

/**
 * Where to read: a partition or all, newest / oldest / an offset / a time (entered in the user's
 * zone, found with the broker's time index), and the page size. Submitting puts all of it in the
 * URL, so the page is linkable and the server reads it.
 */
export function SeekForm({
  path,
  partitions,
  p,
  seek,
  offset,
  ts,
  limit,
  sizes,
}: {
  path: string;
  partitions: number[];
  p: 'all' | number;
  seek: string;
  offset?: number;
  ts?: number;
  limit: number;
  sizes: number[];
}) {
  const id = useId();
  const zone = useTimeZone();
  const router = useRouter();
  const [partition, setPartition] = useState(String(p));
  const [mode, setMode] = useState(seek);
  const [offsetText, setOffsetText] = useState(offset === undefined ? '' : String(offset));
  const [timeText, setTimeText] = useState(ts === undefined ? '' : formatTime(ts, zone));
  const [size, setSize] = useState(String(limit));
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const query = new URLSearchParams({ p: partition, seek: mode, limit: size });
    if (mode === 'offset') {
      if (!/^\d{1,16}$/.test(offsetText.trim())) return setError('An offset is a whole number from 0');
      query.set('offset', offsetText.trim());
    }
    if (mode === 'timestamp') {
      const ms = parseZonedTime(timeText, zone);
      if (!Number.isFinite(ms) || ms < 0) return setError(`Enter a time as YYYY-MM-DD HH:MM[:SS[.mmm]] in ${zone}`);
      query.set('ts', String(ms));
    }
    setError(null);
    router.push(`${path}?${query.toString()}`);
  };

  return (
    <form onSubmit={submit} aria-label="Seek" className="flex flex-wrap items-end gap-3">
      <Field id={`${id}-p`} label="Partition" className="w-40">
        <Select id={`${id}-p`} value={partition} onChange={(e) => setPartition(e.target.value)}>
          <option value="all">All partitions</option>
          {partitions.map((n) => (
            <option key={n} value={String(n)}>
              Partition {n}
            </option>
          ))}
        </Select>
      </Field>
      <Field id={`${id}-seek`} label="Start at" className="w-40">
        <Select id={`${id}-seek`} value={mode} onChange={(e) => setMode(e.target.value)}>
          <option value="newest">Newest</option>
          <option value="oldest">Oldest</option>
          <option value="offset">Offset</option>
          <option value="timestamp">Time</option>
        </Select>
      </Field>
      {mode === 'offset' ? (
        <Field id={`${id}-offset`} label="Offset" className="w-40" error={error}>
          <Input
            id={`${id}-offset`}
            inputMode="numeric"
            value={offsetText}
            onChange={(e) => setOffsetText(e.target.value)}
            aria-invalid={error ? true : undefined}
          />
        </Field>
      ) : null}
      {mode === 'timestamp' ? (
        <Field id={`${id}-time`} label={`Time (${zone})`} className="w-64" error={error}>
          <Input
            id={`${id}-time`}
            value={timeText}
            placeholder="YYYY-MM-DD HH:MM:SS"
            onChange={(e) => setTimeText(e.target.value)}
            aria-invalid={error ? true : undefined}
          />
        </Field>
      ) : null}
      <Field id={`${id}-limit`} label="Per page" className="w-28">
        <Select id={`${id}-limit`} value={size} onChange={(e) => setSize(e.target.value)}>
          {sizes.map((n) => (
            <option key={n} value={String(n)}>
              {n}
            </option>
          ))}
        </Select>
      </Field>
      <Button type="submit" variant="primary">
        Read
      </Button>
    </form>
  );
}
