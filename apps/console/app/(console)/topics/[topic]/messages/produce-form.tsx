'use client';
import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Field, Input, Select, Textarea } from '@/components/ui/field';
import { api } from '@/lib/client-api';
import { asText, toBase64, utf8Bytes } from './record-data';

export type Encoding = 'STRING' | 'JSON' | 'BINARY';

export interface Draft {
  key: string;
  keyType: Encoding;
  keyNull: boolean;
  value: string;
  valueType: Encoding;
  valueNull: boolean;
  headers: { name: string; value: string }[];
  partition: string;
}

export const EMPTY_DRAFT: Draft = {
  key: '',
  keyType: 'STRING',
  keyNull: true,
  value: '',
  valueType: 'STRING',
  valueNull: false,
  headers: [],
  partition: '',
};

/** A form value for bytes: text when UTF-8 (JSON when it parses), else base64. */
export function draftData(bytes: Uint8Array | null): { text: string; type: Encoding; isNull: boolean } {
  if (bytes === null) return { text: '', type: 'STRING', isNull: true };
  const text = asText(bytes);
  if (text === null) return { text: toBase64(bytes), type: 'BINARY', isNull: false };
  try {
    JSON.parse(text);
    return { text, type: 'JSON', isNull: false };
  } catch {
    return { text, type: 'STRING', isNull: false };
  }
}

function encode(text: string, type: Encoding): { type: Encoding; data: unknown } {
  if (type === 'JSON') {
    try {
      return { type, data: JSON.parse(text) };
    } catch (e) {
      throw new Error(`not JSON: ${(e as Error).message}`);
    }
  }
  if (type === 'BINARY' && !/^[A-Za-z0-9+/]*={0,2}$/.test(text.replace(/\s/g, ''))) throw new Error('not base64');
  return { type, data: type === 'BINARY' ? text.replace(/\s/g, '') : text };
}

interface Produced {
  partition_id: number;
  offset: number;
}

/** Produce one record (key, value, headers, partition) and show where the broker put it. */
export function ProduceForm({
  topic,
  partitions,
  draft,
  setDraft,
  disabledReason,
}: {
  topic: string;
  partitions: number[];
  draft: Draft;
  setDraft: (draft: Draft) => void;
  disabledReason?: string;
}) {
  const id = useId();
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Produced | null>(null);
  const [error, setError] = useState<unknown>(null);
  const set = (change: Partial<Draft>) => setDraft({ ...draft, ...change });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setResult(null);
    let body: Record<string, unknown>;
    try {
      body = {};
      if (draft.partition !== '') body.partition_id = Number(draft.partition);
      if (!draft.keyNull) body.key = encode(draft.key, draft.keyType);
      if (!draft.valueNull) body.value = encode(draft.value, draft.valueType);
      if (draft.headers.length > 0)
        body.headers = draft.headers.filter((h) => h.name !== '').map((h) => ({ name: h.name, value: toBase64(utf8Bytes(h.value)) }));
    } catch (e) {
      setError(new Error(`The record is not valid: ${(e as Error).message}`));
      return;
    }
    setBusy(true);
    try {
      const answer = await api<Produced>('POST', `/v3/clusters/-/topics/${encodeURIComponent(topic)}/records`, body);
      setResult(answer);
      router.refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} aria-label="Produce a message" className="space-y-3">
      <div className="grid gap-3 md:grid-cols-[1fr_10rem]">
        <Field id={`${id}-key`} label="Key" hint={draft.keyNull ? 'No key (null): the broker spreads records over partitions.' : undefined}>
          <Input
            id={`${id}-key`}
            value={draft.key}
            onChange={(e) => set({ key: e.target.value, keyNull: e.target.value === '' })}
            placeholder="null"
            className="font-mono"
          />
        </Field>
        <Field id={`${id}-key-type`} label="Key type">
          <Select id={`${id}-key-type`} value={draft.keyType} onChange={(e) => set({ keyType: e.target.value as Encoding })}>
            <option value="STRING">Text</option>
            <option value="JSON">JSON</option>
            <option value="BINARY">Base64</option>
          </Select>
        </Field>
        <Field id={`${id}-value`} label="Value">
          <Textarea id={`${id}-value`} rows={5} value={draft.value} onChange={(e) => set({ value: e.target.value, valueNull: false })} />
        </Field>
        <Field id={`${id}-value-type`} label="Value type">
          <Select id={`${id}-value-type`} value={draft.valueType} onChange={(e) => set({ valueType: e.target.value as Encoding })}>
            <option value="STRING">Text</option>
            <option value="JSON">JSON</option>
            <option value="BINARY">Base64</option>
          </Select>
        </Field>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Headers</legend>
        {draft.headers.map((h, i) => (
          <div key={i} className="flex items-end gap-2">
            <Field id={`${id}-h${i}-name`} label={`Header ${i + 1} name`} className="w-48">
              <Input
                id={`${id}-h${i}-name`}
                value={h.name}
                onChange={(e) => set({ headers: draft.headers.map((x, j) => (j === i ? { ...x, name: e.target.value } : x)) })}
              />
            </Field>
            <Field id={`${id}-h${i}-value`} label={`Header ${i + 1} value`} className="flex-1">
              <Input
                id={`${id}-h${i}-value`}
                value={h.value}
                onChange={(e) => set({ headers: draft.headers.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })}
              />
            </Field>
            <Button
              variant="ghost"
              aria-label={`Remove header ${i + 1}`}
              onClick={() => set({ headers: draft.headers.filter((_, j) => j !== i) })}
            >
              Remove
            </Button>
          </div>
        ))}
        <Button onClick={() => set({ headers: [...draft.headers, { name: '', value: '' }] })}>Add header</Button>
      </fieldset>
      <div className="flex flex-wrap items-end gap-3">
        <Field id={`${id}-partition`} label="Partition" className="w-48">
          <Select id={`${id}-partition`} value={draft.partition} onChange={(e) => set({ partition: e.target.value })}>
            <option value="">Chosen by the broker</option>
            {partitions.map((n) => (
              <option key={n} value={String(n)}>
                Partition {n}
              </option>
            ))}
          </Select>
        </Field>
        <Button type="submit" variant="primary" disabled={busy} disabledReason={disabledReason}>
          {busy ? 'Producing…' : 'Produce'}
        </Button>
        <Button variant="ghost" onClick={() => setDraft(EMPTY_DRAFT)}>
          Clear
        </Button>
      </div>
      {result ? (
        <Notice tone="success">
          Produced to partition {result.partition_id} at offset {result.offset}.
        </Notice>
      ) : null}
      {error ? <ErrorBox error={error} title="The record was not produced" /> : null}
    </form>
  );
}
