'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { wsUrl } from '@/lib/client-api';

const SUB = 'acls-live';
/** Changes are gathered this long before the page re-renders (a batch of 100 ACLs is one refresh). */
const REFRESH_DELAY_MS = 300;
const MAX_RETRIES = 5;

/**
 * Keeps an ACL list current: watches `acls` on the broker's change stream and re-renders the
 * server page (just the page shown, still filtered and paged by the server) when bindings are
 * created or deleted anywhere. Says whether it is live; a watcher the broker stopped (a slow
 * client's overflow) reloads the page and watches again.
 */
export function AclLive() {
  const router = useRouter();
  const [state, setState] = useState<'connecting' | 'live' | 'off'>('connecting');
  const [seen, setSeen] = useState(0);
  useEffect(() => {
    let socket: WebSocket | undefined;
    let closed = false;
    let retries = 0;
    let refresh: ReturnType<typeof setTimeout> | undefined;
    let reconnect: ReturnType<typeof setTimeout> | undefined;
    const scheduleRefresh = () => {
      refresh ??= setTimeout(() => {
        refresh = undefined;
        router.refresh();
      }, REFRESH_DELAY_MS);
    };
    const open = () => {
      socket = new WebSocket(wsUrl());
      socket.onopen = () => socket?.send(JSON.stringify({ type: 'watch', sub: SUB, resources: ['acls'] }));
      socket.onmessage = (event) => {
        let frame: { type?: string; sub?: string; changes?: unknown[] };
        try {
          frame = JSON.parse(String(event.data)) as typeof frame;
        } catch {
          return;
        }
        if (frame.sub !== SUB) return;
        if (frame.type === 'watching') {
          retries = 0;
          setState('live');
        } else if (frame.type === 'changes') {
          setSeen((n) => n + (frame.changes?.length ?? 0));
          scheduleRefresh();
        } else if (frame.type === 'error') {
          // Stopped (resync): show the current list and watch again.
          scheduleRefresh();
          socket?.close();
        }
      };
      socket.onclose = () => {
        if (closed) return;
        setState('connecting');
        if (retries >= MAX_RETRIES) {
          setState('off');
          return;
        }
        retries++;
        reconnect = setTimeout(open, 500 * 2 ** retries);
      };
    };
    open();
    return () => {
      closed = true;
      if (refresh) clearTimeout(refresh);
      if (reconnect) clearTimeout(reconnect);
      socket?.close();
    };
  }, [router]);
  return (
    <p role="status" aria-live="polite" data-testid="acl-live" className="text-xs text-zinc-500 dark:text-zinc-400">
      <span
        aria-hidden="true"
        className={`mr-1.5 inline-block size-2 rounded-full ${state === 'live' ? 'bg-green-500' : state === 'off' ? 'bg-zinc-400' : 'bg-amber-400'}`}
      />
      {state === 'live'
        ? `Live: ACL changes appear as they happen${seen > 0 ? ` (${seen} since this page opened)` : ''}`
        : state === 'off'
          ? 'Not live: reload the page to see changes'
          : 'Connecting to the change stream…'}
    </p>
  );
}
