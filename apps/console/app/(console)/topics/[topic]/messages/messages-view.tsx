'use client';
import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Section } from '@/components/ui/page-header';
import { RecordCard } from './record-card';
import { download } from './download';
import { fromBase64, rowsToCsv, rowsToJson, type Row } from './record-data';
import { draftData, EMPTY_DRAFT, ProduceForm, type Draft } from './produce-form';

/** Values larger than this are not put into the produce form (re-produce them with a client). */
const REPRODUCE_MAX = 1024 * 1024;

/**
 * The page's records (previews), export of what is shown, and the produce form, which
 * "Re-produce" fills from a record.
 */
export function MessagesView({
  topic,
  rows,
  partitions,
  timestampType,
  writeDenied,
  newestFirst,
  pager,
}: {
  topic: string;
  rows: Row[];
  partitions: number[];
  timestampType?: string;
  writeDenied?: string;
  newestFirst: boolean;
  pager: React.ReactNode;
}) {
  const [draft, setDraft] = useState<Draft>(EMPTY_DRAFT);
  const [note, setNote] = useState<string | null>(null);

  const reproduce = (row: Row, whole?: Uint8Array) => {
    if (row.value?.truncated && !whole) {
      setNote(`Load all of record ${row.partition}/${row.offset} first: the list holds only a preview of its value.`);
      return;
    }
    if (whole && whole.length > REPRODUCE_MAX) {
      setNote('This value is too large for the form; download it and produce it with a client.');
      return;
    }
    const key = draftData(row.key ? fromBase64(row.key.b64) : null);
    const value = draftData(whole ?? (row.value ? fromBase64(row.value.b64) : null));
    setNote(`The form holds record ${row.partition}/${row.offset}: change what you like and produce it.`);
    setDraft({
      key: key.text,
      keyType: key.type,
      keyNull: key.isNull,
      value: value.text,
      valueType: value.type,
      valueNull: value.isNull,
      headers: row.headers.map((h) => ({ name: h.name, value: h.value ? new TextDecoder().decode(fromBase64(h.value.b64)) : '' })),
      partition: String(row.partition),
    });
    document.getElementById('produce')?.scrollIntoView({ behavior: 'smooth' });
  };

  return (
    <>
      <Section
        title="Records"
        actions={
          <span className="flex gap-2">
            <Button disabled={rows.length === 0} onClick={() => download(`${topic}.json`, rowsToJson(topic, rows), 'application/json')}>
              Export JSON
            </Button>
            <Button disabled={rows.length === 0} onClick={() => download(`${topic}.csv`, rowsToCsv(topic, rows), 'text/csv')}>
              Export CSV
            </Button>
          </span>
        }
      >
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {rows.length === 0
            ? 'No records here.'
            : `${rows.length} records, ${newestFirst ? 'newest first' : 'oldest first'}. Values above 4 KiB show as a preview with "Load all"; exports hold what is shown.`}
        </p>
        <div className="space-y-2" data-testid="records">
          {rows.map((row) => (
            <RecordCard
              key={`${row.partition}-${row.offset}`}
              topic={topic}
              row={row}
              timestampType={timestampType}
              onReproduce={reproduce}
              reproduceDisabled={writeDenied}
            />
          ))}
        </div>
        {pager}
      </Section>
      <div id="produce">
        <Section title="Produce a message">
          {note ? <p className="text-sm text-zinc-600 dark:text-zinc-400">{note}</p> : null}
          <ProduceForm topic={topic} partitions={partitions} draft={draft} setDraft={setDraft} disabledReason={writeDenied} />
        </Section>
      </div>
    </>
  );
}
