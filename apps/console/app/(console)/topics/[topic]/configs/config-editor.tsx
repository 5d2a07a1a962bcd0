'use client';
import { useRouter } from 'next/navigation';
import { useMemo, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox, Notice } from '@/components/ui/error-box';
import { Input } from '@/components/ui/field';
import { Badge, Section } from '@/components/ui/page-header';
import { Table, TBody, TD, TH, THead, TR } from '@/components/ui/table';
import { api } from '@/lib/client-api';
import { configProblem } from '../../topic-config-docs';

export interface TopicConfig {
  name: string;
  value: string | null;
  is_default: boolean;
  is_read_only: boolean;
  is_sensitive: boolean;
  source: string;
  synonyms: { name: string; value: string | null; source: string }[];
}

/** The value the topic has without its own override: the first broker-level synonym. */
function defaultOf(config: TopicConfig): string | null {
  const inherited = config.synonyms.find((s) => s.source !== 'DYNAMIC_TOPIC_CONFIG');
  return inherited ? inherited.value : config.is_default ? config.value : null;
}

const SOURCES: Record<string, string> = {
  DYNAMIC_TOPIC_CONFIG: 'topic override',
  DYNAMIC_BROKER_CONFIG: 'broker (dynamic)',
  DYNAMIC_DEFAULT_BROKER_CONFIG: 'cluster default',
  STATIC_BROKER_CONFIG: 'broker (static)',
  DEFAULT_CONFIG: 'default',
};

interface Change {
  name: string;
  operation: 'SET' | 'DELETE';
  before: string | null;
  after: string | null;
}

export function ConfigEditor({ topic, configs, disabledReason }: { topic: string; configs: TopicConfig[]; disabledReason?: string }) {
  const router = useRouter();
  const [edits, setEdits] = useState<Record<string, string>>({});
  const [resets, setResets] = useState<Set<string>>(new Set());
  const [reviewing, setReviewing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  const changes = useMemo<Change[]>(() => {
    const list: Change[] = [];
    for (const config of configs) {
      if (resets.has(config.name)) list.push({ name: config.name, operation: 'DELETE', before: config.value, after: defaultOf(config) });
      else if (config.name in edits && edits[config.name].trim() !== (config.value ?? ''))
        list.push({ name: config.name, operation: 'SET', before: config.value, after: edits[config.name].trim() });
    }
    return list;
  }, [configs, edits, resets]);
  const problems = Object.fromEntries(
    changes.filter((c) => c.operation === 'SET').map((c) => [c.name, configProblem(c.name, c.after ?? '')] as const),
  ) as Record<string, string | null>;
  const invalid = Object.values(problems).some(Boolean);

  const apply = async () => {
    setBusy(true);
    setError(null);
    try {
      await api('POST', `/v3/clusters/-/topics/${encodeURIComponent(topic)}/configs:alter`, {
        data: changes.map((c) => (c.operation === 'DELETE' ? { name: c.name, operation: 'DELETE' } : { name: c.name, value: c.after })),
      });
      setDone(`Applied ${changes.length} change${changes.length === 1 ? '' : 's'}.`);
      setEdits({});
      setResets(new Set());
      setReviewing(false);
      router.refresh();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-4">
      {disabledReason ? <Notice tone="warning">{disabledReason}</Notice> : null}
      {done ? <Notice tone="success">{done}</Notice> : null}
      <Table caption={`Configs of ${topic}`}>
        <THead>
          <tr>
            <TH>Name</TH>
            <TH className="w-[22rem]">Value</TH>
            <TH>Source</TH>
            <TH>Default</TH>
            <TH>
              <span className="sr-only">Actions</span>
            </TH>
          </tr>
        </THead>
        <TBody>
          {configs.map((config) => {
            const id = `config-${config.name}`;
            const problem = problems[config.name];
            const override = config.source === 'DYNAMIC_TOPIC_CONFIG';
            const resetting = resets.has(config.name);
            const locked = config.is_read_only || config.is_sensitive || disabledReason !== undefined;
            return (
              <TR key={config.name}>
                <TD className="font-mono text-xs">
                  <label htmlFor={id}>{config.name}</label>
                </TD>
                <TD>
                  <Input
                    id={id}
                    className="font-mono text-xs"
                    value={resetting ? (defaultOf(config) ?? '') : (edits[config.name] ?? config.value ?? '')}
                    disabled={locked || resetting}
                    aria-invalid={problem ? true : undefined}
                    aria-describedby={problem ? `${id}-problem` : undefined}
                    onChange={(e) => {
                      const value = e.target.value;
                      setEdits((old) => ({ ...old, [config.name]: value }));
                      setReviewing(false);
                      setDone(null);
                    }}
                  />
                  {problem ? (
                    <p id={`${id}-problem`} role="alert" className="mt-1 text-xs text-red-700 dark:text-red-400">
                      {config.name} {problem}
                    </p>
                  ) : null}
                </TD>
                <TD>
                  <Badge tone={override ? 'blue' : 'neutral'}>{SOURCES[config.source] ?? config.source}</Badge>
                  {config.is_read_only ? <Badge tone="amber">read-only</Badge> : null}
                </TD>
                <TD className="font-mono text-xs text-zinc-600 dark:text-zinc-400">{defaultOf(config) ?? '—'}</TD>
                <TD>
                  {override && !locked ? (
                    <Button
                      variant="ghost"
                      aria-pressed={resetting}
                      onClick={() => {
                        setResets((old) => {
                          const next = new Set(old);
                          if (next.has(config.name)) next.delete(config.name);
                          else next.add(config.name);
                          return next;
                        });
                        setReviewing(false);
                        setDone(null);
                      }}
                    >
                      {resetting ? 'Keep override' : 'Reset to default'}
                      <span className="sr-only"> {config.name}</span>
                    </Button>
                  ) : null}
                </TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
      <div className="flex items-center gap-2">
        <Button
          variant="primary"
          disabledReason={disabledReason}
          disabled={changes.length === 0 || invalid}
          onClick={() => {
            setReviewing(true);
            setError(null);
          }}
        >
          Review {changes.length} change{changes.length === 1 ? '' : 's'}
        </Button>
        {changes.length > 0 ? (
          <Button
            variant="ghost"
            onClick={() => {
              setEdits({});
              setResets(new Set());
              setReviewing(false);
            }}
          >
            Discard changes
          </Button>
        ) : null}
      </div>
      {reviewing && changes.length > 0 ? (
        <Section title="Changes to apply">
          <Table caption="Config changes to apply">
            <THead>
              <tr>
                <TH>Name</TH>
                <TH>Now</TH>
                <TH>After</TH>
              </tr>
            </THead>
            <TBody>
              {changes.map((c) => (
                <TR key={c.name}>
                  <TD className="font-mono text-xs">{c.name}</TD>
                  <TD className="font-mono text-xs text-red-700 line-through dark:text-red-400">{c.before ?? '—'}</TD>
                  <TD className="font-mono text-xs text-green-700 dark:text-green-400">
                    {c.after ?? '—'}
                    {c.operation === 'DELETE' ? ' (default)' : ''}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          {error ? <ErrorBox error={error} /> : null}
          <div className="flex gap-2">
            <Button variant="primary" disabled={busy} onClick={() => void apply()}>
              Apply changes
            </Button>
            <Button onClick={() => setReviewing(false)}>Back to editing</Button>
          </div>
        </Section>
      ) : null}
    </div>
  );
}
