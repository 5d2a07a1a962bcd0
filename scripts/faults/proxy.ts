import * as net from 'node:net';

/**
 * A TCP proxy that cuts links the way a network partition does, per (source, target):
 *
 * - One listener per target (`listen(target, upstream)`): a broker's inter-broker port, its HTTP
 *   port, PostgreSQL. Brokers advertise the listener instead of their own port, so every link to
 *   a target goes through here.
 * - The source of a connection is named by `sourceOf(remoteAddress)` (brokers bind their outgoing
 *   connections to their own 127.0.0.x, clients to another address), or fixed per listener (a
 *   listener that only one broker uses, e.g. its PostgreSQL link).
 * - `cut(source, target, 'blackhole')` freezes the link: existing connections stop moving bytes
 *   in both directions (the data waits, as packets do in a partition that TCP retransmits
 *   through), and new connections are accepted but not connected upstream until the link heals.
 *   `cut(…, 'drop')` resets existing connections and new ones at once (a refused route).
 * - `heal(...)` un-freezes: held connections connect upstream and flow again.
 *
 * Bounded: at most `maxConnections` connections at once; more are reset. Links are directed:
 * cutting A↔B is `cut(A, B)` and `cut(B, A)` (`partition()` does both).
 */
export type CutMode = 'blackhole' | 'drop';

export interface ProxyOptions {
  /** Names the source of a connection from its remote address (default: the address itself). */
  sourceOf?: (remoteAddress: string) => string;
  maxConnections?: number;
}

export interface ListenerAddress {
  host: string;
  port: number;
}

interface Connection {
  source: string;
  target: string;
  client: net.Socket;
  upstream: net.Socket | undefined;
  connectUpstream: () => void;
  frozen: boolean;
}

const linkKey = (source: string, target: string): string => `${source}→${target}`;

export class FaultProxy {
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly cuts = new Map<string, CutMode>();
  private readonly sourceOf: (remoteAddress: string) => string;
  private readonly maxConnections: number;
  private refusedByBound = 0;

  constructor(options: ProxyOptions = {}) {
    this.sourceOf = options.sourceOf ?? ((address) => address);
    this.maxConnections = options.maxConnections ?? 2000;
  }

  /** Listens on `bind` (port 0 = any free port) for connections to `target`, forwarded to `upstream`. */
  async listen(
    target: string,
    upstream: ListenerAddress,
    bind: ListenerAddress = { host: '127.0.0.1', port: 0 },
    fixedSource?: string,
  ): Promise<ListenerAddress> {
    const server = net.createServer((client) => this.accept(client, target, upstream, fixedSource));
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(bind.port, bind.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    const address = server.address() as net.AddressInfo;
    return { host: bind.host, port: address.port };
  }

  cut(source: string, target: string, mode: CutMode = 'blackhole'): void {
    this.cuts.set(linkKey(source, target), mode);
    for (const connection of this.connections) {
      if (connection.source !== source || connection.target !== target) continue;
      if (mode === 'drop') this.destroy(connection);
      else this.freeze(connection);
    }
  }

  /** Cuts both directions between every member of `a` and every member of `b`. */
  partition(a: readonly string[], b: readonly string[], mode: CutMode = 'blackhole'): void {
    for (const x of a)
      for (const y of b) {
        this.cut(x, y, mode);
        this.cut(y, x, mode);
      }
  }

  heal(source: string, target: string): void {
    this.cuts.delete(linkKey(source, target));
    for (const connection of this.connections) {
      if (connection.source === source && connection.target === target) this.thaw(connection);
    }
  }

  healAll(): void {
    this.cuts.clear();
    for (const connection of this.connections) this.thaw(connection);
  }

  isCut(source: string, target: string): CutMode | undefined {
    return this.cuts.get(linkKey(source, target));
  }

  /** Links cut now, as "source→target (mode)". */
  describeCuts(): string[] {
    return [...this.cuts].map(([link, mode]) => `${link} (${mode})`);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  get connectionsRefusedByBound(): number {
    return this.refusedByBound;
  }

  async close(): Promise<void> {
    for (const connection of this.connections) this.destroy(connection);
    await Promise.all(this.servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    this.servers.length = 0;
  }

  private accept(client: net.Socket, target: string, upstreamAddress: ListenerAddress, fixedSource?: string): void {
    client.on('error', () => undefined);
    if (this.connections.size >= this.maxConnections) {
      this.refusedByBound++;
      client.resetAndDestroy();
      return;
    }
    const source = fixedSource ?? this.sourceOf(normalizeAddress(client.remoteAddress ?? ''));
    const mode = this.cuts.get(linkKey(source, target));
    if (mode === 'drop') {
      client.resetAndDestroy();
      return;
    }
    client.pause();
    const connection: Connection = {
      source,
      target,
      client,
      upstream: undefined,
      frozen: mode === 'blackhole',
      connectUpstream: () => {
        if (connection.upstream !== undefined || client.destroyed) return;
        const upstream = net.connect({ host: upstreamAddress.host, port: upstreamAddress.port });
        connection.upstream = upstream;
        upstream.on('error', () => this.destroy(connection));
        // A clean close upstream ends the client gracefully (what was written still arrives).
        upstream.on('close', () => {
          if (!client.destroyed) client.end();
        });
        upstream.on('data', (chunk) => {
          if (!client.write(chunk)) upstream.pause();
        });
        client.on('drain', () => {
          if (!connection.frozen) upstream.resume();
        });
        upstream.on('drain', () => {
          if (!connection.frozen) client.resume();
        });
        upstream.once('connect', () => {
          if (connection.frozen) upstream.pause();
          else client.resume();
        });
      },
    };
    this.connections.add(connection);
    client.on('data', (chunk) => {
      if (connection.upstream && !connection.upstream.write(chunk)) client.pause();
    });
    client.on('end', () => connection.upstream?.end());
    client.on('close', () => this.destroy(connection, false));
    if (!connection.frozen) connection.connectUpstream();
  }

  private freeze(connection: Connection): void {
    connection.frozen = true;
    connection.client.pause();
    connection.upstream?.pause();
  }

  private thaw(connection: Connection): void {
    if (!connection.frozen) return;
    connection.frozen = false;
    if (connection.upstream === undefined) {
      connection.connectUpstream();
      return;
    }
    if (connection.upstream.connecting) return; // 'connect' resumes the client
    connection.client.resume();
    connection.upstream.resume();
  }

  /** Hard (a reset) on errors and drops; soft once the client side has closed by itself. */
  private destroy(connection: Connection, hard = true): void {
    if (!this.connections.delete(connection)) return;
    if (!connection.client.destroyed) {
      if (hard) connection.client.resetAndDestroy();
      else connection.client.destroy();
    }
    if (connection.upstream && !connection.upstream.destroyed) connection.upstream.destroy();
  }
}

/** "::ffff:127.0.0.2" (an IPv4 client on a dual-stack socket) → "127.0.0.2". */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
