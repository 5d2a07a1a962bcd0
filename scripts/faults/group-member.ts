import { WebSocket } from 'ws';
import type { History } from './history';
import { describeError } from './http-client';
import type { Endpoint } from './workload';

/**
 * A consumer-group member of the fault workload, over the public WebSocket API (docs/websocket.md):
 * it subscribes with `group` (auto_commit false) through a random broker, follows 50003 answers
 * to the broker their `coordinator` field names (a random one when none is named or it cannot be
 * reached), rejoins with its `member_id`, reads and credits records, and commits its positions
 * every `commitIntervalMs` with explicit `commit` frames. Every commit a `committed` frame
 * acknowledges goes into the History (group, topic, partition, offset): the group checker holds the
 * cluster to it.
 *
 * Bounded: one socket at a time, one commit in flight (a commit unanswered within its deadline
 * ends the session), a deadline on the handshake and on the join, exponential reconnect backoff.
 * `stop()` ends the session at once.
 */
export interface GroupMemberOptions {
  process: string;
  group: string;
  topic: string;
  endpoints: () => readonly Endpoint[];
  history: History;
  random: () => number;
  /** Source address of the member's connections (the proxy's "client"). */
  localAddress?: string;
  commitIntervalMs?: number;
  /** Deadline of the handshake, of the join and of each commit. */
  requestTimeoutMs?: number;
}

/** How a session ended: `moved` = a 50003 naming (or not) the coordinator. */
type SessionEnd = { kind: 'moved'; broker?: number } | { kind: 'failed'; detail: string } | { kind: 'stopped' };

const SUB = 'g';
const CREDIT = 500;
const MAX_FRAME_BYTES = 32 * 1024 * 1024;
const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

export class GroupMember {
  private running = false;
  private loop: Promise<void> | undefined;
  private endSession: (() => void) | undefined;
  private wakeSleep: (() => void) | undefined;
  private memberId: string | undefined;
  /** Highest acknowledged commit per partition (nothing is committed again below it). */
  private readonly acked = new Map<number, number>();
  /** Times the member was answered `subscribed`. */
  joins = 0;
  /** Acknowledged commit frames. */
  commits = 0;
  /** The last reason a session ended, for the run's log. */
  lastProblem: string | undefined;

  constructor(private readonly options: GroupMemberOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run().catch((error) => {
      this.lastProblem = `member loop: ${describeError(error)}`;
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.endSession?.();
    this.wakeSleep?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    let target: Endpoint | undefined;
    let failures = 0;
    while (this.running) {
      const endpoint = target ?? this.pick();
      target = undefined;
      if (!endpoint) {
        await this.pause(MIN_BACKOFF_MS);
        continue;
      }
      const joinsBefore = this.joins;
      const end = await this.session(endpoint);
      if (end.kind === 'stopped') return;
      if (end.kind === 'moved') {
        // Follow the coordinator named; unknown or unnamed: a random broker next time.
        target = end.broker === undefined ? undefined : this.options.endpoints().find((e) => e.broker === end.broker);
        this.lastProblem = `broker ${endpoint.broker}: not the coordinator (named: ${end.broker ?? 'none'})`;
      } else {
        this.lastProblem = `broker ${endpoint.broker}: ${end.detail}`;
      }
      failures = this.joins > joinsBefore ? 0 : failures + 1;
      const backoff = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.min(failures, 5));
      await this.pause(backoff / 2 + (this.options.random() * backoff) / 2);
    }
  }

  private pick(): Endpoint | undefined {
    const endpoints = this.options.endpoints();
    return endpoints.length === 0 ? undefined : endpoints[Math.floor(this.options.random() * endpoints.length)];
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleep = done;
    });
  }

  /** One connection: join, read, commit, until it ends (never rejects). */
  private session(endpoint: Endpoint): Promise<SessionEnd> {
    const { group, topic, history, process } = this.options;
    const timeoutMs = this.options.requestTimeoutMs ?? 8_000;
    const commitIntervalMs = this.options.commitIntervalMs ?? 500;
    return new Promise<SessionEnd>((resolve) => {
      const positions = new Map<number, number>();
      let joined = false;
      let ended = false;
      let refs = 0;
      let pending: { ref: string; sentMs: number } | undefined;
      let commitTimer: NodeJS.Timeout | undefined;
      let socket: WebSocket;
      const end = (result: SessionEnd): void => {
        if (ended) return;
        ended = true;
        clearTimeout(joinTimer);
        clearInterval(commitTimer);
        this.endSession = undefined;
        socket?.removeAllListeners('message');
        socket?.on('error', () => undefined);
        socket?.terminate();
        resolve(result);
      };
      const joinTimer = setTimeout(() => end({ kind: 'failed', detail: `not joined within ${timeoutMs} ms` }), timeoutMs);
      this.endSession = () => end({ kind: 'stopped' });
      if (!this.running) return end({ kind: 'stopped' });
      const send = (frame: unknown): void => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame), () => undefined);
      };
      const commit = (): void => {
        if (pending) {
          if (Date.now() - pending.sentMs > timeoutMs) end({ kind: 'failed', detail: `commit unanswered within ${timeoutMs} ms` });
          return;
        }
        const offsets = [...positions]
          .filter(([partition, offset]) => offset > (this.acked.get(partition) ?? 0))
          .map(([partition, offset]) => ({ topic, partition, offset }));
        if (offsets.length === 0) return;
        pending = { ref: `c${++refs}`, sentMs: Date.now() };
        send({ type: 'commit', sub: SUB, ref: pending.ref, offsets });
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames are read field by field
      const handle = (frame: any): void => {
        if (frame?.sub !== SUB) return;
        switch (frame.type) {
          case 'subscribed':
            joined = true;
            this.joins++;
            clearTimeout(joinTimer);
            if (typeof frame.member_id === 'string') this.memberId = frame.member_id;
            for (const a of frame.assignment ?? []) positions.set(a.partition, a.offset);
            commitTimer = setInterval(commit, commitIntervalMs);
            return;
          case 'assignment':
            for (const r of frame.revoked ?? []) positions.delete(r.partition);
            for (const a of frame.assigned ?? []) positions.set(a.partition, a.offset);
            return;
          case 'records': {
            const records: { partition: number; offset: number }[] = frame.records ?? [];
            for (const r of records) {
              const at = positions.get(r.partition);
              if (at !== undefined) positions.set(r.partition, Math.max(at, r.offset + 1));
            }
            if (records.length > 0) send({ type: 'credit', sub: SUB, records: records.length });
            return;
          }
          case 'committed':
            if (!pending || frame.ref !== pending.ref) return;
            this.commits++;
            for (const o of frame.offsets ?? []) {
              history.add({
                kind: 'commit',
                process,
                broker: endpoint.broker,
                group,
                topic: o.topic ?? topic,
                partition: o.partition,
                offset: o.offset,
                outcome: 'ok',
                startMs: pending.sentMs,
                endMs: Date.now(),
              });
              this.acked.set(o.partition, Math.max(this.acked.get(o.partition) ?? 0, o.offset));
            }
            pending = undefined;
            return;
          case 'error':
            if (pending && frame.ref === pending.ref) {
              pending = undefined; // refused (e.g. 40901 a partition no longer owned): nothing was promised
              return;
            }
            if (frame.error_code === 50003 && (!joined || frame.coordinator !== undefined))
              return end({ kind: 'moved', broker: frame.coordinator?.broker_id ?? undefined });
            return end({ kind: 'failed', detail: `error ${frame.error_code}: ${String(frame.message).slice(0, 200)}` });
        }
      };
      try {
        socket = new WebSocket(`${endpoint.baseUrl.replace(/^http/, 'ws')}/v3/ws`, {
          localAddress: this.options.localAddress,
          handshakeTimeout: timeoutMs,
          maxPayload: MAX_FRAME_BYTES,
        });
      } catch (error) {
        return end({ kind: 'failed', detail: describeError(error) });
      }
      socket.on('open', () =>
        send({
          type: 'subscribe',
          sub: SUB,
          topic,
          group,
          from: 'earliest',
          credit: CREDIT,
          auto_commit: false,
          member_id: this.memberId,
          client_id: process,
        }),
      );
      socket.on('message', (data) => {
        try {
          handle(JSON.parse(String(data)));
        } catch (error) {
          end({ kind: 'failed', detail: `bad frame: ${describeError(error)}` });
        }
      });
      socket.on('error', (error) => end({ kind: 'failed', detail: describeError(error) }));
      socket.on('close', (code) => end({ kind: 'failed', detail: `socket closed (${code})` }));
    });
  }
}
