'use client';
import { useEffect, useRef, useState } from 'react';
import { wsUrl } from '@/lib/client-api';

export interface GroupChange {
  resource: 'group';
  op: 'created' | 'updated' | 'deleted';
  name: string;
  state?: string;
  members?: number;
  at: number;
}

/**
 * Watches the broker's consumer-group changes (the `watch` frame on `/v3/ws`, through the console
 * server's proxy with the user's credentials: only groups the user may DESCRIBE arrive). When the
 * broker ends the watch because this page fell behind (42901 "resync"), `onResync` reloads the
 * page's data and the watch starts again; a dropped socket reconnects with a growing delay.
 * Returns whether the broker is watching for this page now.
 */
export function useGroupChanges(onChanges: (changes: GroupChange[]) => void, onResync: () => void): boolean {
  const handlers = useRef({ onChanges, onResync });
  const [watching, setWatching] = useState(false);
  useEffect(() => {
    handlers.current = { onChanges, onResync };
  });
  useEffect(() => {
    let socket: WebSocket | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let delay = 1000;
    let watches = 0;
    const watch = () => socket?.send(JSON.stringify({ type: 'watch', sub: `groups-${++watches}`, resources: ['groups'] }));
    const connect = () => {
      socket = new WebSocket(wsUrl());
      socket.onopen = () => {
        delay = 1000;
        watch();
      };
      socket.onmessage = (event) => {
        let frame: { type?: string; changes?: { resource?: string }[]; error_code?: number };
        try {
          frame = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (frame.type === 'watching') setWatching(true);
        else if (frame.type === 'changes' && Array.isArray(frame.changes)) {
          const groups = frame.changes.filter((c): c is GroupChange => c.resource === 'group');
          if (groups.length > 0) handlers.current.onChanges(groups);
        } else if (frame.type === 'error' && frame.error_code === 42901) {
          setWatching(false);
          handlers.current.onResync();
          watch();
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        setWatching(false);
        retry = setTimeout(connect, delay);
        delay = Math.min(delay * 2, 30_000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, []);
  return watching;
}
