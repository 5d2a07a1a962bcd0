'use client';
import { useEffect, useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { ErrorBox } from '@/components/ui/error-box';
import { wsUrl } from '@/lib/client-api';
import { RecordCard } from './record-card';
import { toRow, type BrokerRecord, type Row } from './record-data';

/** Records kept on screen; older ones drop off the bottom. */
export const TAIL_BUFFER = 500;
/** Records the broker may send before the page asks for more (flow control). */
const CREDIT = 100;

type State = 'idle' | 'connecting' | 'live' | 'paused' | 'closed';

/**
 * New records as they arrive, newest on top, over the console's WebSocket: a `subscribe` from
 * `latest` with credit; every records frame is answered with as much credit as it used, unless
 * paused (then the broker stops after the credit it has). Values are cut to previews on arrival.
 */
export function LiveTail({ topic, partition, timestampType }: { topic: string; partition: 'all' | number; timestampType?: string }) {
  const [state, setState] = useState<State>('idle');
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [received, setReceived] = useState(0);
  const socket = useRef<WebSocket | null>(null);
  const paused = useRef(false);
  const owed = useRef(0); // credit used while paused, granted back on resume

  const stop = () => {
    socket.current?.close();
    socket.current = null;
  };
  useEffect(() => stop, []);

  const start = () => {
    stop();
    setError(null);
    setState('connecting');
    paused.current = false;
    owed.current = 0;
    const ws = new WebSocket(wsUrl());
    socket.current = ws;
    let subscribed = false;
    ws.onopen = () => {
      ws.send(
        JSON.stringify({
          type: 'subscribe',
          sub: 'tail',
          topic,
          partitions: partition === 'all' ? undefined : [partition],
          from: 'latest',
          credit: CREDIT,
          format: 'binary',
        }),
      );
    };
    ws.onmessage = (event) => {
      let frame: { type: string; records?: BrokerRecord[]; message?: string; error_code?: number };
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (frame.type === 'subscribed') {
        subscribed = true;
        setState(paused.current ? 'paused' : 'live');
      } else if (frame.type === 'error') {
        setError({ status: undefined, errorCode: frame.error_code, message: frame.message });
        // A refused subscribe (no READ, topic gone) ends the tail; later errors are reported only.
        if (!subscribed) {
          socket.current = null;
          ws.close();
          setState('closed');
        }
      } else if (frame.type === 'records' && frame.records) {
        const fresh = frame.records.map((r) => toRow(r)).reverse();
        setRows((old) => [...fresh, ...old].slice(0, TAIL_BUFFER));
        setReceived((n) => n + fresh.length);
        if (paused.current) owed.current += fresh.length;
        else ws.send(JSON.stringify({ type: 'credit', sub: 'tail', records: fresh.length }));
      }
    };
    ws.onclose = () => {
      if (socket.current === ws) {
        socket.current = null;
        setState('closed');
      }
    };
    ws.onerror = () => setError(new Error('The live tail connection failed'));
  };

  const pause = () => {
    paused.current = true;
    setState('paused');
  };
  const resume = () => {
    paused.current = false;
    setState('live');
    if (owed.current > 0 && socket.current) socket.current.send(JSON.stringify({ type: 'credit', sub: 'tail', records: owed.current }));
    owed.current = 0;
  };

  const status = {
    idle: 'Not running',
    connecting: 'Connecting…',
    live: 'Live: new records appear at the top',
    paused: 'Paused: the broker holds new records until you resume',
    closed: 'Stopped',
  }[state];

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        {state === 'idle' || state === 'closed' ? (
          <Button variant="primary" onClick={start}>
            Start live tail
          </Button>
        ) : (
          <>
            {state === 'paused' ? <Button onClick={resume}>Resume</Button> : <Button onClick={pause}>Pause</Button>}
            <Button
              onClick={() => {
                stop();
                setState('closed');
              }}
            >
              Stop
            </Button>
          </>
        )}
        <Button variant="ghost" onClick={() => setRows([])} disabled={rows.length === 0}>
          Clear
        </Button>
        <span role="status" aria-live="polite" data-testid="tail-status" className="text-sm text-zinc-600 dark:text-zinc-400">
          {status}
          {received > 0 ? ` · ${received.toLocaleString('en-US')} received, last ${Math.min(rows.length, TAIL_BUFFER)} shown` : ''}
        </span>
      </div>
      {error ? <ErrorBox error={error} title="The live tail stopped" /> : null}
      <section aria-label="Live tail records" className="space-y-2">
        {rows.map((row) => (
          <RecordCard key={`${row.partition}-${row.offset}`} topic={topic} row={row} timestampType={timestampType} />
        ))}
      </section>
    </div>
  );
}
