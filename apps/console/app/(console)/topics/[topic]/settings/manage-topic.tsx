'use client';
import { useRouter } from 'next/navigation';
import { useId, useState } from 'react';
import { Button } from '@/components/ui/button';
import { TypedConfirm } from '@/components/ui/confirm';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { Section } from '@/components/ui/page-header';
import { api } from '@/lib/client-api';
import { formatNumber } from '@/lib/format';

interface Partition {
  partition_id: number;
  earliest_offset: number;
  high_watermark: number;
}

export function ManageTopic({
  topic,
  partitionsCount,
  partitions,
  alterDenied,
  deleteDenied,
}: {
  topic: string;
  partitionsCount: number;
  partitions: Partition[];
  alterDenied?: string;
  deleteDenied?: string;
}) {
  return (
    <div className="max-w-2xl">
      <AddPartitions topic={topic} current={partitionsCount} disabledReason={alterDenied} />
      <DeleteRecords topic={topic} partitions={partitions} disabledReason={deleteDenied} />
      <DeleteTopic topic={topic} disabledReason={deleteDenied} />
    </div>
  );
}

const topicUrl = (topic: string) => `/v3/clusters/-/topics/${encodeURIComponent(topic)}`;

function AddPartitions({ topic, current, disabledReason }: { topic: string; current: number; disabledReason?: string }) {
  const router = useRouter();
  const id = useId();
  const [count, setCount] = useState(String(current + 1));
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const n = Number(count);
  const problem = !/^\d+$/.test(count.trim()) ? 'enter a whole number' : n <= current ? `must be more than the current ${current}` : null;
  return (
    <Section title="Add partitions">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Partitions can only be added, never removed. Records with a key may go to a different partition afterwards.
      </p>
      <form
        className="flex items-end gap-3"
        onSubmit={async (event) => {
          event.preventDefault();
          if (problem) return;
          setBusy(true);
          setError(null);
          setDone(null);
          try {
            const answer = await api<{ partitions_count: number }>('PATCH', topicUrl(topic), { partitions_count: n });
            setDone(`${topic} now has ${answer.partitions_count} partitions.`);
            router.refresh();
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field id={id} label="New partition count" error={problem} className="w-56">
          <Input
            id={id}
            inputMode="numeric"
            value={count}
            onChange={(e) => setCount(e.target.value)}
            disabled={disabledReason !== undefined}
            aria-invalid={problem ? true : undefined}
          />
        </Field>
        <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy || problem !== null}>
          Add partitions
        </Button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
    </Section>
  );
}

function DeleteRecords({ topic, partitions, disabledReason }: { topic: string; partitions: Partition[]; disabledReason?: string }) {
  const router = useRouter();
  const partitionId = useId();
  const offsetId = useId();
  const [partition, setPartition] = useState(String(partitions[0]?.partition_id ?? 0));
  const [offset, setOffset] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = partitions.find((p) => String(p.partition_id) === partition);
  const n = Number(offset);
  const problem =
    offset.trim() === ''
      ? null
      : !/^\d+$/.test(offset.trim())
        ? 'enter a whole number'
        : chosen && n > chosen.high_watermark
          ? `must be at most the high watermark ${chosen.high_watermark}`
          : null;
  const ready = offset.trim() !== '' && problem === null;
  return (
    <Section title="Delete records">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Deletes every record of a partition before an offset (Kafka&apos;s DeleteRecords): the partition&apos;s earliest offset moves up.
        This cannot be undone.
      </p>
      <form
        className="space-y-3"
        onSubmit={(event) => {
          event.preventDefault();
          if (ready) setConfirming(true);
        }}
      >
        <div className="flex items-end gap-3">
          <Field id={partitionId} label="Partition" className="w-40">
            <Select
              id={partitionId}
              value={partition}
              onChange={(e) => {
                setPartition(e.target.value);
                setConfirming(false);
              }}
              disabled={disabledReason !== undefined}
            >
              {partitions.map((p) => (
                <option key={p.partition_id} value={p.partition_id}>
                  {p.partition_id}
                </option>
              ))}
            </Select>
          </Field>
          <Field id={offsetId} label="Delete before offset" error={problem} className="w-56">
            <Input
              id={offsetId}
              inputMode="numeric"
              value={offset}
              placeholder={chosen ? String(chosen.high_watermark) : ''}
              onChange={(e) => {
                setOffset(e.target.value);
                setConfirming(false);
              }}
              disabled={disabledReason !== undefined}
              aria-invalid={problem ? true : undefined}
            />
          </Field>
          <Button type="submit" variant="danger" disabledReason={disabledReason} disabled={!ready || busy}>
            Delete records
          </Button>
        </div>
        {chosen ? (
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Partition {chosen.partition_id}: earliest offset {formatNumber(chosen.earliest_offset)}, high watermark{' '}
            {formatNumber(chosen.high_watermark)}.
          </p>
        ) : null}
      </form>
      {confirming && chosen ? (
        <div
          role="alertdialog"
          aria-label="Confirm deleting records"
          className="space-y-2 rounded-md border border-red-300 p-3 text-sm dark:border-red-900"
        >
          <p>
            Delete {formatNumber(Math.max(0, n - chosen.earliest_offset))} records of partition {chosen.partition_id} (offsets{' '}
            {formatNumber(chosen.earliest_offset)} to {formatNumber(n - 1)})?
          </p>
          <div className="flex gap-2">
            <Button
              variant="danger"
              disabled={busy}
              onClick={async () => {
                setBusy(true);
                setError(null);
                setDone(null);
                try {
                  const answer = await api<{ low_watermark: number }>(
                    'POST',
                    `${topicUrl(topic)}/partitions/${chosen.partition_id}/records:delete`,
                    { before_offset: n },
                  );
                  setDone(`Partition ${chosen.partition_id} now starts at offset ${formatNumber(answer.low_watermark)}.`);
                  setConfirming(false);
                  setOffset('');
                  router.refresh();
                } catch (e) {
                  setError(e);
                } finally {
                  setBusy(false);
                }
              }}
            >
              Yes, delete records
            </Button>
            <Button onClick={() => setConfirming(false)}>Cancel</Button>
          </div>
        </div>
      ) : null}
      {error ? <ErrorBox error={error} /> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
    </Section>
  );
}

function DeleteTopic({ topic, disabledReason }: { topic: string; disabledReason?: string }) {
  const router = useRouter();
  const [error, setError] = useState<unknown>(null);
  return (
    <Section title="Delete topic">
      <TypedConfirm
        word={topic}
        action="Delete topic"
        disabledReason={disabledReason}
        onConfirm={async () => {
          setError(null);
          try {
            await api('DELETE', topicUrl(topic));
            router.push('/topics');
            router.refresh();
          } catch (e) {
            setError(e);
          }
        }}
      >
        <p className="text-sm text-zinc-700 dark:text-zinc-300">
          Deletes {topic} with all its records and committed offsets. This cannot be undone.
        </p>
      </TypedConfirm>
      {error ? <ErrorBox error={error} /> : null}
    </Section>
  );
}
