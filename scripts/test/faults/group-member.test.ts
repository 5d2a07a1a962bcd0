import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { GroupMember } from '../../faults/group-member';
import { History, type CommitOp } from '../../faults/history';
import { seededRandom, waitFor } from '../../faults/steps';
import type { Endpoint } from '../../faults/workload';

/**
 * The group member against two small WebSocket servers playing brokers 1 and 2 as docs/websocket.md
 * describes them: broker 1 is not the coordinator (50003 naming broker 2), broker 2 accepts the
 * member, sends records, acknowledges commits, and later ends the subscription naming broker 1 as
 * the new coordinator. What lands in the history: the acknowledged commits only.
 */
interface Broker {
  server: WebSocketServer;
  endpoint: Endpoint;
  subscribes: Record<string, unknown>[];
  commits: Record<string, unknown>[];
  credits: number;
  sockets: WebSocket[];
  onSubscribe: (socket: WebSocket, frame: Record<string, unknown>) => void;
  onCommit: (socket: WebSocket, frame: Record<string, unknown>) => void;
}

const brokers = new Map<number, Broker>();

async function startBroker(id: number): Promise<Broker> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/v3/ws' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const broker: Broker = {
    server,
    endpoint: { broker: id, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` },
    subscribes: [],
    commits: [],
    credits: 0,
    sockets: [],
    onSubscribe: () => undefined,
    onCommit: () => undefined,
  };
  server.on('connection', (socket) => {
    broker.sockets.push(socket);
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      if (frame.type === 'subscribe') {
        broker.subscribes.push(frame);
        broker.onSubscribe(socket, frame);
      } else if (frame.type === 'commit') {
        broker.commits.push(frame);
        broker.onCommit(socket, frame);
      } else if (frame.type === 'credit') broker.credits += frame.records as number;
    });
  });
  brokers.set(id, broker);
  return broker;
}

const send = (socket: WebSocket, frame: unknown): void => socket.send(JSON.stringify(frame));
const notCoordinator = (socket: WebSocket, coordinator: number): void =>
  send(socket, {
    type: 'error',
    sub: 'g',
    error_code: 50003,
    message: `not the coordinator; broker ${coordinator} is`,
    coordinator: { broker_id: coordinator, url: 'http://elsewhere' },
  });

let member: GroupMember | undefined;

afterEach(async () => {
  await member?.stop();
  member = undefined;
  for (const broker of brokers.values()) {
    for (const socket of broker.sockets) socket.terminate();
    await new Promise<void>((resolve) => broker.server.close(() => resolve()));
  }
  brokers.clear();
});

it('follows 50003 to the named coordinator, reads, credits, commits; rejoins with its member_id where the group moved', async () => {
  const one = await startBroker(1);
  const two = await startBroker(2);
  one.onSubscribe = (socket) => notCoordinator(socket, 2);
  two.onSubscribe = (socket) => {
    send(socket, {
      type: 'subscribed',
      sub: 'g',
      group: 'grp',
      member_id: 'member-7',
      generation: 1,
      assignment: [
        { topic: 't', partition: 0, offset: 3 },
        { topic: 't', partition: 1, offset: 0 },
      ],
    });
    send(socket, {
      type: 'records',
      sub: 'g',
      records: [
        { topic: 't', partition: 0, offset: 3, value: { type: 'STRING', data: 'a' } },
        { topic: 't', partition: 0, offset: 4, value: { type: 'STRING', data: 'b' } },
      ],
    });
  };
  let acknowledge = true;
  two.onCommit = (socket, frame) => {
    if (acknowledge) send(socket, { type: 'committed', sub: 'g', ref: frame.ref, offsets: frame.offsets });
    else send(socket, { type: 'error', sub: 'g', ref: frame.ref, error_code: 40901, message: 'not owned' });
  };

  const history = new History();
  // Always broker 1 first: the member must be sent on to broker 2.
  member = new GroupMember({
    process: 'member-0',
    group: 'grp',
    topic: 't',
    endpoints: () => [one.endpoint, two.endpoint],
    history,
    random: () => 0,
    commitIntervalMs: 50,
    requestTimeoutMs: 2_000,
  });
  member.start();

  const commits = (): CommitOp[] => history.ops.filter((op): op is CommitOp => op.kind === 'commit');
  await waitFor('an acknowledged commit', 10_000, async () => (commits().length > 0 ? true : undefined), 20);
  expect(one.subscribes[0]).toMatchObject({ type: 'subscribe', group: 'grp', topic: 't', auto_commit: false });
  expect(two.subscribes[0]).toMatchObject({ type: 'subscribe', group: 'grp', topic: 't', auto_commit: false });
  expect(two.credits).toBe(2);
  // Only what moved is committed: partition 0 at the next offset to read (5); partition 1 is still at 0.
  expect(two.commits[0]).toMatchObject({ offsets: [{ topic: 't', partition: 0, offset: 5 }] });
  expect(commits()).toEqual([
    expect.objectContaining({ kind: 'commit', process: 'member-0', broker: 2, group: 'grp', topic: 't', partition: 0, offset: 5 }),
  ]);

  // A refused commit is not recorded.
  acknowledge = false;
  send(two.sockets[0], { type: 'records', sub: 'g', records: [{ topic: 't', partition: 1, offset: 0, value: null }] });
  await waitFor('a refused commit', 10_000, async () => (two.commits.length > 1 ? true : undefined), 20);
  expect(commits()).toHaveLength(1);

  // The coordinator moves to broker 1: the member goes there with its member_id and commits there.
  one.onSubscribe = (socket) =>
    send(socket, {
      type: 'subscribed',
      sub: 'g',
      group: 'grp',
      member_id: 'member-7',
      generation: 2,
      assignment: [{ topic: 't', partition: 1, offset: 1 }],
    });
  one.onCommit = (socket, frame) => send(socket, { type: 'committed', sub: 'g', ref: frame.ref, offsets: frame.offsets });
  notCoordinator(two.sockets[0], 1);
  await waitFor('a commit acknowledged by broker 1', 10_000, async () => (commits().length > 1 ? true : undefined), 20);
  expect(one.subscribes[1]).toMatchObject({ member_id: 'member-7' });
  expect(commits()[1]).toMatchObject({ broker: 1, partition: 1, offset: 1 });
  expect(member.joins).toBe(2);
});

it('stops while it cannot reach any broker, and while a join is unanswered', async () => {
  const silent = await startBroker(1); // accepts the socket, never answers the subscribe
  const history = new History();
  member = new GroupMember({
    process: 'member-0',
    group: 'grp',
    topic: 't',
    endpoints: () => [silent.endpoint, { broker: 2, baseUrl: 'http://127.0.0.1:1' }],
    history,
    random: seededRandom(3),
    requestTimeoutMs: 60_000,
  });
  member.start();
  await waitFor('a subscribe sent to the silent broker', 10_000, async () => (silent.subscribes.length > 0 ? true : undefined), 20);
  await member.stop(); // not after the 60 s join deadline: at once
  member = undefined;
  expect(history.ops).toEqual([]);
});
