import type { ChangeDelta, WatchResource } from '../changes/change-types';
import { RunnelError, badRequest } from '../common/errors';
import type { Caller } from '../security/caller';
import type { WatchFrame } from './client-frames';

/** The broker's change feed as a session uses it (ChangeFeed). */
export interface WsChangeFeed {
  watch(
    caller: Caller | undefined,
    resources: readonly WatchResource[],
    sink: { writable(): boolean; deliver(deltas: ChangeDelta[]): void; overflow(): void },
  ): { stop(): void };
}

/** What the watches need of their session: sending frames, and whether its socket has room. */
export interface WatchIo {
  send(text: string): void;
  /** False while the socket holds too much unsent data: deltas keep coalescing meanwhile. */
  writable(): boolean;
  sendError(error: unknown, sub: string): void;
  /** A subscription of the session already uses this name (watches and subscriptions share the `sub` names). */
  subscriptionNamed(sub: string): boolean;
}

/**
 * One session's metadata watches (docs/websocket.md "Watching metadata changes"): `watch`
 * answers `watching` and opens a watch on the change feed for the socket's caller, whose deltas
 * arrive as `changes` frames; `unwatch` and the socket's close stop it. A watch whose queue
 * overflows (the client does not keep up) ends with an error frame 42901 telling the client to
 * resync. At most `maxWatches` per socket.
 */
export class SessionWatches {
  private readonly watches = new Map<string, { stop(): void }>();

  constructor(
    private readonly feed: WsChangeFeed | undefined,
    private readonly caller: Caller | undefined,
    private readonly io: WatchIo,
    private readonly maxWatches: number,
  ) {}

  has(sub: string): boolean {
    return this.watches.has(sub);
  }

  get count(): number {
    return this.watches.size;
  }

  /** Opens the watch; throws (the session answers an error frame) when it cannot. */
  watch(frame: WatchFrame): void {
    const { sub } = frame;
    if (this.watches.has(sub) || this.io.subscriptionNamed(sub)) throw badRequest(`'${sub}' is already in use on this connection`);
    if (this.watches.size >= this.maxWatches) throw badRequest(`at most ${this.maxWatches} watches per connection`);
    if (!this.feed) throw new RunnelError('RETRIABLE', 'the metadata change stream is not available on this broker');
    const watch = this.feed.watch(this.caller, frame.resources, {
      writable: () => this.io.writable(),
      deliver: (changes) => {
        if (this.watches.get(sub) === watch) this.io.send(JSON.stringify({ type: 'changes', sub, changes }));
      },
      overflow: () => {
        if (this.watches.get(sub) !== watch) return;
        this.watches.delete(sub);
        const message = `watch '${sub}' fell behind (more changes pending than its queue holds) and has ended: resync`;
        this.io.sendError(new RunnelError('THROTTLED', message), sub);
      },
    });
    this.watches.set(sub, watch);
    this.io.send(JSON.stringify({ type: 'watching', sub, resources: frame.resources }));
  }

  unwatch(sub: string): void {
    const watch = this.watches.get(sub);
    if (!watch) throw badRequest(`unknown watch '${sub}'`);
    this.watches.delete(sub);
    watch.stop();
  }

  /** The socket closed: every watch stops. */
  close(): void {
    for (const watch of this.watches.values()) watch.stop();
    this.watches.clear();
  }
}
