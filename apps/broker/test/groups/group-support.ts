import type { ClientOptions } from 'ws';
import { BrokerProcess } from '../support/broker-process';
import { createTopicOn, produceStrings } from '../support/topic-helpers';
import { ServerFrame, WsClient } from '../ws/ws-client';

/** Helpers for the consumer-group e2e tests: topics, produce, group members over WebSocket, REST. */
export const GROUP_ENV = {
  // Short session timeouts so "a member that goes silent" is removed within the test.
  RUNNEL_GROUP_MIN_SESSION_TIMEOUT_MS: '300',
  RUNNEL_WS_PING_INTERVAL_MS: '100',
  RUNNEL_OFFSETS_TOPIC_PARTITIONS: '4',
};

export const createTopic = createTopicOn;
/** Appends STRING values to one partition (one batch). */
export const produce = produceStrings;

export async function rest(broker: BrokerProcess, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${broker.baseUrl}/v3/clusters/-${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export interface Owned {
  topic: string;
  partition: number;
}

/** One group member: a socket with one group subscription, tracking what it owns from its frames. */
export class Member {
  readonly owned = new Map<string, Owned>();
  memberId = '';
  private seen = 0;

  private constructor(
    readonly client: WsClient,
    readonly sub: string,
  ) {}

  static async join(
    broker: BrokerProcess,
    subscribe: Record<string, unknown>,
    options?: { clientOptions?: ClientOptions; sub?: string },
  ): Promise<Member> {
    const client = await WsClient.open(broker.baseUrl, '/v3/ws', options?.clientOptions);
    const sub = options?.sub ?? 'g';
    const member = new Member(client, sub);
    client.send({ type: 'subscribe', sub, format: 'string', ...subscribe });
    await client.until(() => client.of('subscribed', sub).length > 0 || client.of('error', sub).length > 0);
    const error = client.of('error', sub)[0];
    if (error) {
      client.close();
      throw Object.assign(new Error(error.message), { frame: error });
    }
    const subscribed = client.of('subscribed', sub)[0];
    member.memberId = subscribed.member_id;
    for (const a of subscribed.assignment) member.owned.set(`${a.topic}/${a.partition}`, { topic: a.topic, partition: a.partition });
    return member;
  }

  /** Applies the assignment frames received so far, in order. */
  sync(): this {
    const frames = this.client.of('assignment', this.sub);
    for (; this.seen < frames.length; this.seen++) {
      const f: ServerFrame = frames[this.seen];
      for (const r of f.revoked) this.owned.delete(`${r.topic}/${r.partition}`);
      for (const a of f.assigned) this.owned.set(`${a.topic}/${a.partition}`, { topic: a.topic, partition: a.partition });
    }
    return this;
  }

  ownedKeys(): string[] {
    return [...this.sync().owned.keys()].sort();
  }

  /** Waits until this member's frames say it owns exactly `count` partitions. */
  async untilOwns(count: number): Promise<void> {
    await this.client.until(() => this.sync().owned.size === count);
  }

  records(): { topic: string; partition: number; offset: number; value: any }[] {
    return this.client.records(this.sub) as any;
  }

  async commit(offsets?: { topic?: string; partition: number; offset: number }[]): Promise<ServerFrame> {
    const before = this.client.of('committed', this.sub).length + this.client.of('error', this.sub).length;
    this.client.send({ type: 'commit', sub: this.sub, offsets });
    await this.client.until(() => this.client.of('committed', this.sub).length + this.client.of('error', this.sub).length > before);
    return [...this.client.frames].reverse().find((f) => (f.type === 'committed' || f.type === 'error') && f.sub === this.sub)!;
  }

  close(): void {
    this.client.close();
  }
}

export const range = (n: number, prefix = 'v'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Polls `check` (a REST condition) until it holds; no fixed sleeps in assertions. */
export async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached; last value: ${JSON.stringify(value).slice(0, 2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
