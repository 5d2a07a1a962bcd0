'use client';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/page-header';
import { EmptyRow, Table, TBody, TD, TR } from '@/components/ui/table';
import { wsUrl } from '@/lib/client-api';
import { formatBytes, formatNumber } from '@/lib/format';
import type { TopicSummary } from './data';

interface TopicChange {
  resource: 'topic';
  op: 'created' | 'updated' | 'deleted';
  name: string;
  partitions_count?: number;
}

/** At most this many names are remembered as "new" (the banner counts them; refresh shows them). */
const MAX_PENDING = 1000;

/**
 * The rows of one page of topics, kept current by the broker's change stream (`watch` on the
 * WebSocket): a topic on this page that changes is updated in place, one that is deleted is marked
 * so, and topics created or deleted elsewhere are counted in a "refresh" banner that re-renders
 * just this page (never the whole list).
 */
export function LiveTopics({
  rows,
  head,
  caption,
  empty,
  search,
}: {
  rows: TopicSummary[];
  head: ReactNode;
  caption: string;
  empty: string;
  /** The list's search: creations and deletions of topics it would not show are not counted. */
  search?: string;
}) {
  const router = useRouter();
  const [patches, setPatches] = useState<Record<string, { partitions_count?: number; deleted?: boolean }>>({});
  const [created, setCreated] = useState<string[]>([]);
  const [deletedElsewhere, setDeletedElsewhere] = useState(0);
  const [live, setLive] = useState<'connecting' | 'live' | 'off'>('connecting');

  const shownRef = useRef(new Set<string>());
  const needleRef = useRef('');
  useEffect(() => {
    needleRef.current = (search ?? '').toLowerCase();
  }, [search]);

  // New server rows (after a refresh or a new page): forget what they already show.
  useEffect(() => {
    shownRef.current = new Set(rows.map((r) => r.topic_name));
    setPatches({});
    setCreated([]);
    setDeletedElsewhere(0);
  }, [rows]);

  useEffect(() => {
    let socket: WebSocket | undefined;
    let closed = false;
    let retries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      socket = new WebSocket(wsUrl());
      socket.onopen = () => socket?.send(JSON.stringify({ type: 'watch', sub: 'topics-list', resources: ['topics'] }));
      socket.onmessage = (event) => {
        let frame: { type?: string; sub?: string; changes?: TopicChange[] };
        try {
          frame = JSON.parse(String(event.data)) as typeof frame;
        } catch {
          return;
        }
        if (frame.type === 'watching') {
          retries = 0;
          setLive('live');
        } else if (frame.type === 'error' && frame.sub === 'topics-list') {
          // The broker stopped the watch (this browser fell behind): re-render the page and watch again.
          router.refresh();
          socket?.send(JSON.stringify({ type: 'watch', sub: 'topics-list', resources: ['topics'] }));
        } else if (frame.type === 'changes' && Array.isArray(frame.changes)) {
          const changes = frame.changes.filter((c) => c.resource === 'topic');
          const shown = shownRef.current;
          const matches = (name: string) => name.toLowerCase().includes(needleRef.current);
          setPatches((old) => {
            const next = { ...old };
            for (const c of changes) {
              if (!shown.has(c.name)) continue;
              if (c.op === 'deleted') next[c.name] = { ...next[c.name], deleted: true };
              else if (c.op === 'created') next[c.name] = { partitions_count: c.partitions_count };
              else if (c.partitions_count !== undefined) next[c.name] = { ...next[c.name], partitions_count: c.partitions_count };
            }
            return next;
          });
          const fresh = changes.filter((c) => c.op === 'created' && !shown.has(c.name) && matches(c.name)).map((c) => c.name);
          if (fresh.length > 0) setCreated((old) => Array.from(new Set([...old, ...fresh])).slice(0, MAX_PENDING));
          const gone = changes.filter((c) => c.op === 'deleted' && !shown.has(c.name) && matches(c.name)).length;
          if (gone > 0) setDeletedElsewhere((n) => n + gone);
        }
      };
      socket.onclose = () => {
        if (closed) return;
        setLive('off');
        if (retries++ < 5) timer = setTimeout(open, 1000 * retries);
      };
    };
    open();
    return () => {
      closed = true;
      if (timer) clearTimeout(timer);
      socket?.close();
    };
  }, [router]);

  // Rows link without prefetching: a page of 50 topics must not render 50 topic pages on the server.
  const deletedHere = Object.values(patches).filter((p) => p.deleted).length;
  const pending = created.length + deletedElsewhere + deletedHere;
  return (
    <>
      <div className="mb-2 flex h-9 items-center justify-between gap-3 text-sm">
        <span className="text-zinc-600 dark:text-zinc-400" data-testid="live-state">
          {live === 'live'
            ? 'Live: changes appear as they happen'
            : live === 'connecting'
              ? 'Connecting to the change stream…'
              : 'Not live: reload for changes'}
        </span>
        {pending > 0 ? (
          <div role="status" className="flex items-center gap-2 text-blue-900 dark:text-blue-200">
            <span>
              {[
                created.length > 0 ? `${created.length} new topic${created.length === 1 ? '' : 's'}` : '',
                deletedElsewhere + deletedHere > 0 ? `${deletedElsewhere + deletedHere} deleted` : '',
              ]
                .filter(Boolean)
                .join(', ')}
            </span>
            <Button onClick={() => router.refresh()}>Refresh</Button>
          </div>
        ) : null}
      </div>
      <Table caption={caption}>
        {head}
        <TBody>
          {rows.length === 0 ? <EmptyRow columns={6}>{empty}</EmptyRow> : null}
          {rows.map((row) => {
            const patch = patches[row.topic_name] ?? {};
            const partitions = patch.partitions_count ?? row.partitions_count;
            return (
              <TR key={row.topic_name} className={patch.deleted ? 'text-zinc-400 line-through dark:text-zinc-600' : ''}>
                <TD className="font-medium">
                  <Link
                    href={`/topics/${encodeURIComponent(row.topic_name)}`}
                    prefetch={false}
                    className="text-blue-700 hover:underline dark:text-blue-400"
                  >
                    {row.topic_name}
                  </Link>{' '}
                  {row.is_internal ? <Badge>internal</Badge> : null}
                  {patch.deleted ? <Badge tone="red">deleted</Badge> : null}
                </TD>
                <TD className="text-right tabular-nums" data-testid="partitions">
                  {formatNumber(partitions)}
                </TD>
                <TD className="text-right tabular-nums">{row.replication_factor}</TD>
                <TD className="text-right tabular-nums">{formatBytes(row.size_bytes)}</TD>
                <TD className="text-right tabular-nums">{formatNumber(row.records)}</TD>
                <TD className="text-right tabular-nums">
                  {formatNumber(row.produced_records_per_sec, 1)} rec/s · {formatBytes(row.produced_bytes_per_sec)}/s
                </TD>
              </TR>
            );
          })}
        </TBody>
      </Table>
    </>
  );
}
