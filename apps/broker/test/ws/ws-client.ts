import { ClientOptions, WebSocket } from 'ws';

/** A `ws` client that records every frame and lets a test wait for frames by predicate (e2e). */
export interface ServerFrame {
  type: string;
  [field: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class WsClient {
  readonly frames: ServerFrame[] = [];
  closeCode: number | undefined;
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as ServerFrame);
      this.wake();
    });
    socket.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  /** `options.autoPong: false` makes a peer that never answers pings (a "silent" group member). */
  static open(baseUrl: string, path = '/v3/ws', options?: ClientOptions): Promise<WsClient> {
    const socket = new WebSocket(baseUrl.replace(/^http/, 'ws') + path, options);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ check, resolve }));
  }

  of(type: string, sub?: string): ServerFrame[] {
    return this.frames.filter((f) => f.type === type && (sub === undefined || f.sub === sub));
  }

  records(sub: string): Array<{ partition: number; offset: number; timestamp: number; key: any; value: any; headers: any[] }> {
    return this.of('records', sub).flatMap((f) => f.records);
  }

  untilRecords(sub: string, count: number): Promise<void> {
    return this.until(() => this.records(sub).length >= count);
  }

  /** Waits for the n-th frame of `type` (optionally for `sub`) and returns it. */
  async next(type: string, n = 1, sub?: string): Promise<ServerFrame> {
    await this.until(() => this.of(type, sub).length >= n);
    return this.of(type, sub)[n - 1];
  }

  untilClosed(): Promise<void> {
    return this.until(() => this.closeCode !== undefined);
  }

  close(): void {
    this.socket.terminate();
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }
}
