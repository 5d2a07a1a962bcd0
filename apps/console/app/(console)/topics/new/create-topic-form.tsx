'use client';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Field, Input, Select } from '@/components/ui/field';
import { api } from '@/lib/client-api';
import { TOPIC_CONFIG_DOCS, configDoc, configProblem } from '../topic-config-docs';
import type { CreateDefaults } from './data';

const NAME = /^[a-zA-Z0-9._-]{1,249}$/;

interface ConfigRow {
  key: number;
  name: string;
  value: string;
}

function nameProblem(name: string): string | null {
  if (name === '') return 'enter a name';
  if (name === '.' || name === '..') return "'.' and '..' are not topic names";
  if (!NAME.test(name)) return 'use 1 to 249 of a-z, A-Z, 0-9, ".", "_" and "-"';
  return null;
}

function countProblem(text: string, label: string): string | null {
  if (text.trim() === '') return null; // the broker's default
  return /^\d+$/.test(text.trim()) && Number(text) >= 1 && Number(text) <= 2147483647
    ? null
    : `${label} must be a whole number of at least 1`;
}

export function CreateTopicForm({ defaults, disabledReason }: { defaults: CreateDefaults; disabledReason?: string }) {
  const router = useRouter();
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState('');
  const [replication, setReplication] = useState('');
  const [configs, setConfigs] = useState<ConfigRow[]>([]);
  const [nextKey, setNextKey] = useState(1);
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [preview, setPreview] = useState<string | null>(null);

  const problems = {
    name: nameProblem(name),
    partitions: countProblem(partitions, 'Partitions'),
    replication: countProblem(replication, 'Replication factor'),
    configs: configs.map((c) => (c.name === '' ? 'choose a config' : configProblem(c.name, c.value))),
  };
  const invalid = problems.name || problems.partitions || problems.replication || problems.configs.some(Boolean);
  const used = new Set(configs.map((c) => c.name));

  const body = (validateOnly: boolean) => ({
    topic_name: name,
    ...(partitions.trim() ? { partitions_count: Number(partitions) } : {}),
    ...(replication.trim() ? { replication_factor: Number(replication) } : {}),
    configs: configs.map((c) => ({ name: c.name, value: c.value.trim() })),
    ...(validateOnly ? { validate_only: true } : {}),
  });

  const submit = async (validateOnly: boolean) => {
    setTouched(true);
    setError(null);
    setPreview(null);
    if (invalid) return;
    setBusy(true);
    try {
      const topic = await api<{ topic_name: string; partitions_count: number; replication_factor: number }>(
        'POST',
        '/v3/clusters/-/topics',
        body(validateOnly),
      );
      if (validateOnly) {
        const overrides = configs.length === 0 ? 'no config overrides' : configs.map((c) => `${c.name}=${c.value.trim()}`).join(', ');
        setPreview(
          `Valid: the broker would create ${topic.topic_name} with ${topic.partitions_count} partition${topic.partitions_count === 1 ? '' : 's'}, replication factor ${topic.replication_factor}, ${overrides}.`,
        );
      } else {
        router.push(`/topics/${encodeURIComponent(topic.topic_name)}`);
        router.refresh();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void submit(false);
  };

  return (
    <form onSubmit={onSubmit} className="max-w-3xl space-y-5" noValidate>
      <fieldset disabled={disabledReason !== undefined} className="space-y-5">
        <Field id="topic-name" label="Name" error={touched ? problems.name : null} hint="Letters, digits, '.', '_' and '-'; at most 249.">
          <Input
            id="topic-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={touched && problems.name ? true : undefined}
            autoComplete="off"
            required
          />
        </Field>
        <div className="grid grid-cols-2 gap-4">
          <Field
            id="topic-partitions"
            label="Partitions"
            error={touched ? problems.partitions : null}
            hint={`Empty: the broker's default (num.partitions${defaults.partitions ? ` = ${defaults.partitions}` : ''}).`}
          >
            <Input
              id="topic-partitions"
              inputMode="numeric"
              value={partitions}
              placeholder={defaults.partitions ? String(defaults.partitions) : '1'}
              onChange={(e) => setPartitions(e.target.value)}
              aria-invalid={touched && problems.partitions ? true : undefined}
            />
          </Field>
          <Field
            id="topic-replication"
            label="Replication factor"
            error={touched ? problems.replication : null}
            hint="At most the number of brokers (one today). Empty: 1."
          >
            <Input
              id="topic-replication"
              inputMode="numeric"
              value={replication}
              placeholder="1"
              onChange={(e) => setReplication(e.target.value)}
              aria-invalid={touched && problems.replication ? true : undefined}
            />
          </Field>
        </div>
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-zinc-800 dark:text-zinc-200">Configs</legend>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Only what differs from the defaults.{' '}
            {defaults.hidden
              ? `The broker's own defaults are hidden from you (${defaults.hidden}); Kafka's documented defaults are shown.`
              : ''}
          </p>
          {configs.map((row, index) => {
            const doc = configDoc(row.name);
            const brokerDefault = defaults.brokerDefaults[row.name];
            const problem = touched ? problems.configs[index] : null;
            const valueId = `config-value-${row.key}`;
            const update = (patch: Partial<ConfigRow>) =>
              setConfigs((rows) => rows.map((r) => (r.key === row.key ? { ...r, ...patch } : r)));
            return (
              <div
                key={row.key}
                className="grid grid-cols-[16rem_1fr_auto] items-start gap-3 rounded-md border border-zinc-200 p-3 dark:border-zinc-800"
              >
                <Field id={`config-name-${row.key}`} label={`Config ${index + 1}`}>
                  <Select id={`config-name-${row.key}`} value={row.name} onChange={(e) => update({ name: e.target.value, value: '' })}>
                    <option value="">Choose…</option>
                    {TOPIC_CONFIG_DOCS.map((d) => (
                      <option key={d.name} value={d.name} disabled={d.name !== row.name && used.has(d.name)}>
                        {d.name}
                      </option>
                    ))}
                  </Select>
                </Field>
                <Field
                  id={valueId}
                  label={row.name ? `Value of ${row.name}` : 'Value'}
                  error={problem}
                  hint={
                    doc ? (
                      <>
                        {doc.doc}. Kafka&apos;s default: <code>{doc.kafkaDefault}</code>
                        {brokerDefault && brokerDefault.value !== doc.kafkaDefault ? (
                          <>
                            ; this broker&apos;s: <code>{brokerDefault.value ?? '—'}</code>
                          </>
                        ) : null}
                        .
                      </>
                    ) : null
                  }
                >
                  {doc?.options ? (
                    <Select
                      id={valueId}
                      value={row.value}
                      onChange={(e) => update({ value: e.target.value })}
                      aria-invalid={problem ? true : undefined}
                    >
                      <option value="">Choose…</option>
                      {doc.options.map((o) => (
                        <option key={o} value={o}>
                          {o}
                        </option>
                      ))}
                    </Select>
                  ) : (
                    <Input
                      id={valueId}
                      value={row.value}
                      placeholder={brokerDefault?.value ?? doc?.kafkaDefault ?? ''}
                      onChange={(e) => update({ value: e.target.value })}
                      aria-invalid={problem ? true : undefined}
                    />
                  )}
                </Field>
                <Button variant="ghost" className="mt-6" onClick={() => setConfigs((rows) => rows.filter((r) => r.key !== row.key))}>
                  Remove<span className="sr-only"> config {index + 1}</span>
                </Button>
              </div>
            );
          })}
          <Button
            disabled={configs.length >= TOPIC_CONFIG_DOCS.length}
            onClick={() => {
              setConfigs((rows) => [...rows, { key: nextKey, name: '', value: '' }]);
              setNextKey((k) => k + 1);
            }}
          >
            Add config
          </Button>
        </fieldset>
      </fieldset>
      {error ? <ErrorBox error={error} /> : null}
      {preview ? <Notice tone="success">{preview}</Notice> : null}
      <div className="flex gap-2">
        <Button type="submit" variant="primary" disabledReason={disabledReason} disabled={busy}>
          Create topic
        </Button>
        <Button disabledReason={disabledReason} disabled={busy} onClick={() => void submit(true)}>
          Preview
        </Button>
      </div>
    </form>
  );
}
