import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { asLeaderEpoch, asOffset } from '@runnel/protocol';
import * as fetchCodec from '@runnel/replication';
import { PartitionOffsetOutOfRangeError, ReplicationError } from '@runnel/replication';
import { RunnelError, toApiError } from '../../src/common/errors';
import { signRequest } from '../../src/cluster/inter-broker/auth';
import { decodeFrame, encodeFrame } from '../../src/cluster/inter-broker/frame';
import { RemotePartition } from '../../src/cluster/remote-partition';
import { DURABLE, SECRET, StubCluster, TestNode, batch, eventually, startNode, stopNode } from './inter-broker-fixture';

/** Sends raw bytes to a node's inter-broker listener, with whatever headers the test chooses. */
function rawPost(
  address: string,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Buffer }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port: Number(port), method: 'POST', path, headers: { ...headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('inter-broker channel: two brokers on 127.0.0.1 and 127.0.0.2', () => {
  let cluster: StubCluster;
  const nodes: TestNode[] = [];

  beforeEach(() => {
    cluster = new StubCluster();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await stopNode(node);
  });

  const start = async (id: number, options: Parameters<typeof startNode>[2] = {}): Promise<TestNode> => {
    const node = await startNode(cluster, id, options);
    nodes.push(node);
    return node;
  };

  it('binds each listener to its node address', async () => {
    const one = await start(1);
    const two = await start(2);
    expect(one.server.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(two.server.address).toMatch(/^127\.0\.0\.2:\d+$/);
  });

  it('forwards produce and read to the leader: offsets from the leader, bytes identical to a local read', async () => {
    const one = await start(1);
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 3, DURABLE);
    cluster.setPartition('t', 0, 1, 3);

    const handle = two.router.resolve('t', 0)!;
    expect(handle).not.toBe(leader);
    const first = await handle.append(batch(['a', 'b', 'c']), -1);
    const second = await handle.append(batch(['d']), 1);
    expect(first).toMatchObject({ baseOffset: 0, lastOffset: 2, records: 3 });
    expect(second).toMatchObject({ baseOffset: 3, lastOffset: 3, records: 1 });
    await eventually(() => leader.highWatermark === 4, 10_000, 'leader HW 4');

    const remote = await handle.read(asOffset(0), 1 << 20);
    const local = await leader.read(asOffset(0), 1 << 20);
    expect(remote.bytes.equals(local.bytes)).toBe(true);
    expect(remote).toMatchObject({ nextOffset: 4, highWatermark: 4, logStartOffset: 0 });
    // The synchronous getters follow the leader's published state.
    await eventually(() => handle.highWatermark === 4 && handle.logEndOffset === 4, 10_000, 'remote getters');
    expect(handle.sizeBytes).toBe(leader.sizeBytes);
    expect(handle.leaderEpoch).toBe(3);
  });

  it('connects from the node address and keeps the connection alive between calls', async () => {
    const two = await start(2);
    const seen: { address: string | undefined; port: number | undefined }[] = [];
    const probe = http.createServer((req, res) => {
      seen.push({ address: req.socket.remoteAddress, port: req.socket.remotePort });
      req.resume();
      req.on('end', () => {
        const frame = Buffer.concat(encodeFrame({ ok: true }));
        res.writeHead(200, { 'content-length': frame.length });
        res.end(frame);
      });
    });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    try {
      cluster.addBroker(9, `127.0.0.1:${(probe.address() as AddressInfo).port}`);
      await two.client.call(9, 'read', { probe: 1 });
      await two.client.call(9, 'read', { probe: 2 });
      expect(seen).toHaveLength(2);
      expect(seen[0].address).toBe('127.0.0.2');
      expect(seen[1]).toEqual(seen[0]);
    } finally {
      probe.closeAllConnections();
      await new Promise((resolve) => probe.close(resolve));
    }
  });

  it('refuses unsigned, wrongly signed and tampered requests with 401 before any handler runs', async () => {
    const one = await start(1);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    cluster.setPartition('t', 0, 1, 0);
    const path = '/internal/v1/produce';
    const body = Buffer.concat(encodeFrame({ topic: 't', partition: 0, leaderEpoch: 0, acks: 1 }, batch(['x'])));

    expect((await rawPost(one.server.address, path, body)).status).toBe(401);
    const wrongSecret = signRequest('not-the-secret', 'POST', path, { brokerId: 2, brokerEpoch: 1 }, body);
    expect((await rawPost(one.server.address, path, body, wrongSecret)).status).toBe(401);
    const forOtherBody = signRequest(SECRET, 'POST', path, { brokerId: 2, brokerEpoch: 1 }, Buffer.from('other'));
    expect((await rawPost(one.server.address, path, body, forOtherBody)).status).toBe(401);
    const forOtherRoute = signRequest(SECRET, 'POST', '/internal/v1/read', { brokerId: 2, brokerEpoch: 1 }, body);
    expect((await rawPost(one.server.address, path, body, forOtherRoute)).status).toBe(401);
    const forgedCaller = { ...signRequest(SECRET, 'POST', path, { brokerId: 2, brokerEpoch: 1 }, body), 'x-runnel-broker': '3:1' };
    expect((await rawPost(one.server.address, path, body, forgedCaller)).status).toBe(401);
    expect(leader.logEndOffset).toBe(0);

    // A broker with another secret gets a retriable error, and writes nothing either.
    const stranger = await start(2, { secret: 'another-cluster' });
    cluster.setPartition('t', 0, 1, 0);
    const error = await stranger.router
      .resolve('t', 0)!
      .append(batch(['y']), 1)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnelError);
    expect((error as RunnelError).message).toContain('HTTP 401');
    expect(leader.logEndOffset).toBe(0);

    // The properly signed request goes through.
    const signed = signRequest(SECRET, 'POST', path, { brokerId: 2, brokerEpoch: 1 }, body);
    const ok = await rawPost(one.server.address, path, body, signed);
    expect(ok.status).toBe(200);
    expect(decodeFrame<{ result: { baseOffset: number } }>(ok.body).params.result.baseOffset).toBe(0);
    expect(leader.logEndOffset).toBe(1);
  });

  it('has no route but POST /internal/v1/<route>', async () => {
    const one = await start(1);
    const body = Buffer.from('{}');
    const headers = signRequest(SECRET, 'POST', '/v3/clusters', { brokerId: 2, brokerEpoch: 1 }, body);
    expect((await rawPost(one.server.address, '/v3/clusters', body, headers)).status).toBe(404);
    expect((await rawPost(one.server.address, '/internal/v1/replica-fetch', body)).status).toBe(404);
  });

  it('carries the leader’s errors by type and code; the API answers them as the local partition would', async () => {
    const one = await start(1);
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 5, DURABLE);
    await leader.append(batch(['a', 'b']), -1);
    cluster.setPartition('t', 0, 1, 5);
    const handle = two.router.resolve('t', 0)!;

    const outOfRange = await handle.read(asOffset(7), 1024).catch((e: unknown) => e);
    expect(outOfRange).toBeInstanceOf(PartitionOffsetOutOfRangeError);
    expect(toApiError(outOfRange).toBody()).toMatchObject({ error_code: 416, earliest_offset: 0, high_watermark: 2 });

    const invalid = await handle.append(Buffer.from('not a record batch at all, not even close'), 1).catch((e: unknown) => e);
    expect(toApiError(invalid)).toMatchObject({ kind: 'BAD_REQUEST' });
    expect(leader.logEndOffset).toBe(2);

    const above = await handle.deleteRecordsBefore(asOffset(9)).catch((e: unknown) => e);
    expect(above).toBeInstanceOf(RangeError);

    // The leader moved on to epoch 6: the handle routed by epoch 5 is fenced, a newer epoch is unknown there.
    await one.replicas.becomeLeader('t', 0, 6, DURABLE);
    const fenced = await handle.append(batch(['c']), 1).catch((e: unknown) => e);
    expect(fenced).toBeInstanceOf(ReplicationError);
    expect((fenced as ReplicationError).code).toBe('FENCED_LEADER_EPOCH');
    const api = toApiError(fenced);
    expect({ status: api.status, code: api.errorCode, retriable: api.retriable }).toEqual({ status: 500, code: 50003, retriable: true });
    expect(api.message).toMatch(/^FENCED_LEADER_EPOCH/);

    const unknown = await two.client
      .call(1, 'read', { topic: 't', partition: 0, leaderEpoch: 7, offset: 0, maxBytes: 100 })
      .catch((e: unknown) => e);
    expect((unknown as ReplicationError).code).toBe('UNKNOWN_LEADER_EPOCH');

    // Not led there at all.
    const notLeader = await two.client.call(1, 'read', { topic: 'other', partition: 0, offset: 0, maxBytes: 100 }).catch((e: unknown) => e);
    expect(notLeader).toBeInstanceOf(ReplicationError);
    expect((notLeader as ReplicationError).code).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(leader.logEndOffset).toBe(2);
  });

  it('an unreachable leader is a retriable error naming it', async () => {
    const two = await start(2);
    cluster.addBroker(7, '127.0.0.7:1');
    cluster.setPartition('t', 0, 7, 0);
    const error = await two.router
      .resolve('t', 0)!
      .read(asOffset(0), 10)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnelError);
    expect((error as RunnelError).retriable).toBe(true);
    expect((error as RunnelError).message).toContain('broker 7');
  });

  it('forwards offset-for-timestamp and delete-records', async () => {
    const one = await start(1);
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    await leader.append(batch(['a', 'b', 'c', 'd'], 5_000), -1);
    cluster.setPartition('t', 0, 1, 0);
    const handle = two.router.resolve('t', 0)!;

    expect(await handle.offsetForTimestamp(5_002)).toEqual({ offset: 2, timestamp: 5_002 });
    expect(await handle.offsetForTimestamp(99_999)).toBeNull();
    expect(await handle.deleteRecordsBefore(asOffset(3))).toBe(3);
    expect(leader.logStartOffset).toBe(3);
    expect(handle.logStartOffset).toBe(3);
  });

  it('waitForData wakes a remote reader when the leader’s HW passes the offset, and on abort or timeout answers false', async () => {
    const one = await start(1);
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    cluster.setPartition('t', 0, 1, 0);
    const handle = two.router.resolve('t', 0)!;

    const parked = handle.waitForData(0, 60_000);
    await leader.append(batch(['a']), -1);
    await expect(parked).resolves.toBe(true);

    const aborted = new AbortController();
    const waiting = handle.waitForData(5, 60_000, aborted.signal);
    aborted.abort();
    await expect(waiting).resolves.toBe(false);
    await expect(handle.waitForData(5, 50)).resolves.toBe(false);

    // The route itself (a long poll on the leader).
    const call = two.client.call<{ ready: boolean }>(1, 'wait-for-data', {
      topic: 't',
      partition: 0,
      leaderEpoch: 0,
      offset: 1,
      timeoutMs: 60_000,
    });
    await eventually(() => handle.highWatermark === 1, 10_000, 'HW 1 seen');
    await leader.append(batch(['b']), -1);
    expect((await call).params.ready).toBe(true);
    const empty = await two.client.call<{ ready: boolean }>(1, 'wait-for-data', { topic: 't', partition: 0, offset: 10, timeoutMs: 20 });
    expect(empty.params.ready).toBe(false);
  });

  it('routes to the local partition when led here, refuses an offline one, and replaces handles when the leader moves', async () => {
    const one = await start(1);
    const two = await start(2);
    const onOne = await one.replicas.becomeLeader('t', 0, 1, DURABLE);
    cluster.setPartition('t', 0, 1, 1);
    expect(one.router.resolve('t', 0)).toBe(onOne);
    expect(two.router.resolve('unknown', 0)).toBeUndefined();

    const remote = two.router.resolve('t', 0)!;
    expect(two.router.resolve('t', 0)).toBe(remote);
    const parked = remote.waitForData(10, 60_000);

    // Leader moves to broker 2 (epoch 2): the old handle closes and wakes its readers; broker 2 serves locally.
    await one.replicas.stopReplica('t', 0, false);
    const onTwo = await two.replicas.becomeLeader('t', 0, 2, DURABLE);
    cluster.setPartition('t', 0, 2, 2);
    await expect(parked).resolves.toBe(false);
    expect(remote.isClosed).toBe(true);
    expect(two.router.resolve('t', 0)).toBe(onTwo);
    const fromOne = one.router.resolve('t', 0)!;
    expect(fromOne).not.toBe(onOne);
    expect(fromOne.leaderEpoch).toBe(2);
    await fromOne.append(batch(['z']), -1);
    expect(onTwo.logEndOffset).toBe(1);

    // Offline.
    cluster.setPartition('t', 0, -1, 3);
    expect(() => one.router.resolve('t', 0)).toThrow(expect.objectContaining({ code: 'LEADER_NOT_AVAILABLE' }));
    expect(toApiError(captured(() => one.router.resolve('t', 0)))).toMatchObject({ kind: 'RETRIABLE' });

    // The view says broker 1 leads, but its ReplicaManager has not taken over yet.
    cluster.setPartition('t', 0, 1, 4);
    expect(() => one.router.resolve('t', 0)).toThrow(expect.objectContaining({ code: 'NOT_LEADER_OR_FOLLOWER' }));
  });

  it('bounds body size, concurrency and handler time', async () => {
    const one = await start(1, { limits: { maxBodyBytes: 4096, maxConcurrent: 2, handlerTimeoutMs: 300, maxWaitMs: 60_000 } });
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    cluster.setPartition('t', 0, 1, 0);
    const handle = two.router.resolve('t', 0)!;

    const big = await handle.append(batch(['x'.repeat(10_000)]), 1).catch((e: unknown) => e);
    expect((big as RunnelError).message).toContain('HTTP 413');
    expect(leader.logEndOffset).toBe(0);

    // Two long polls fill the listener; a third call is refused at once (the state watcher may hold one slot too).
    let release = (): void => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    one.server.addRoute('hold', async () => {
      await hold;
      return encodeFrame({});
    });
    const held = [two.client.call(1, 'hold' as never, {}).catch(() => 'late'), two.client.call(1, 'hold' as never, {}).catch(() => 'late')];
    let busy: unknown;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      busy = await two.client.call(1, 'read', { topic: 't', partition: 0, offset: 0, maxBytes: 10 }).catch((e: unknown) => e);
      if (busy instanceof RunnelError && busy.message.includes('HTTP 503')) break;
    }
    expect((busy as RunnelError).message).toContain('HTTP 503');
    release();
    await Promise.all(held);

    // The client bounds what it queues for one broker, too.
    const three = await start(3, { clientLimits: { maxPendingPerBroker: 1 } });
    let releaseOne = (): void => undefined;
    const holdOne = new Promise<void>((resolve) => (releaseOne = resolve));
    one.server.addRoute('hold-one', async () => {
      await holdOne;
      return encodeFrame({});
    });
    const first = three.client.call(1, 'hold-one' as never, {});
    const refused = await three.client.call(1, 'read', { topic: 't', partition: 0, offset: 0, maxBytes: 10 }).catch((e: unknown) => e);
    expect((refused as RunnelError).message).toContain('pending');
    releaseOne();
    await first.catch(() => undefined);

    // A handler that never finishes is answered with a retriable timeout.
    one.server.addRoute('never', () => new Promise<Buffer[]>(() => undefined));
    const timedOut = await two.client.call(1, 'never' as never, {}).catch((e: unknown) => e);
    expect((timedOut as RunnelError).message).toMatch(/REQUEST_TIMED_OUT/);
  });

  it('hands replica-fetch requests to handleReplicaFetch through the fetch codec; records arrive byte-identical', async () => {
    let leaderPartition: fetchCodec.Partition | undefined;
    const one = await start(1, {
      fetchCodec,
      handleReplicaFetch: async (request) => ({
        partitions: await Promise.all(
          request.partitions.map(async (p) => {
            const read = await leaderPartition!.log.read(asOffset(p.fetchOffset), p.maxBytes);
            return {
              topic: p.topic,
              partition: p.partition,
              error: 'NONE' as const,
              highWatermark: leaderPartition!.highWatermark,
              logStartOffset: leaderPartition!.logStartOffset,
              records: read.bytes,
            };
          }),
        ),
      }),
    });
    const two = await start(2, { fetchCodec });
    leaderPartition = await one.replicas.becomeLeader('t', 0, 1, DURABLE);
    await leaderPartition.append(batch(['a', 'b']), -1);
    await leaderPartition.append(batch(['c']), -1);
    const request = {
      replicaId: 2,
      brokerEpoch: 1,
      maxWaitMs: 500,
      maxBytes: 1 << 20,
      partitions: [
        {
          topic: 't',
          partition: 0,
          currentLeaderEpoch: 1,
          fetchOffset: 0,
          lastFetchedEpoch: -1,
          durableOffset: 0,
          logStartOffset: 0,
          maxBytes: 1 << 20,
        },
      ],
    };
    const response = await two.client.replicaFetch(1, request);
    expect(one.fetches).toEqual([request]);
    expect(response.partitions[0]).toMatchObject({ topic: 't', partition: 0, error: 'NONE', highWatermark: 3, logStartOffset: 0 });
    const local = await leaderPartition.log.read(asOffset(0), 1 << 20);
    expect(response.partitions[0].records.equals(local.bytes)).toBe(true);
  });

  it('refuses a replica fetch made under another broker’s identity, before the replica manager sees it', async () => {
    const one = await start(1, { fetchCodec: fetchCodec, handleReplicaFetch: async () => ({ partitions: [] }) });
    const two = await start(2, { fetchCodec: fetchCodec });
    void one;
    const posing = { replicaId: 3, brokerEpoch: 1, maxWaitMs: 0, maxBytes: 1024, partitions: [] };
    const error = await two.client.replicaFetch(1, posing).catch((e: unknown) => e);
    expect(toApiError(error)).toMatchObject({ kind: 'BAD_REQUEST' });
    const staleEpoch = await two.client.replicaFetch(1, { ...posing, replicaId: 2, brokerEpoch: 0 }).catch((e: unknown) => e);
    expect(toApiError(staleEpoch)).toMatchObject({ kind: 'BAD_REQUEST' });
    const garbage = Buffer.from('not a fetch request');
    const signed = signRequest(SECRET, 'POST', '/internal/v1/replica-fetch', { brokerId: 2, brokerEpoch: 1 }, garbage);
    const undecodable = await rawPost(one.server.address, '/internal/v1/replica-fetch', garbage, signed);
    expect(undecodable.status).toBe(409);
    expect(decodeFrame<{ error: { kind: string } }>(undecodable.body).params.error.kind).toBe('BAD_REQUEST');
    expect(one.fetches).toEqual([]);
    await two.client.replicaFetch(1, { ...posing, replicaId: 2 });
    expect(one.fetches).toHaveLength(1);
  });

  it('resolveFresh brings a remote handle to the leader’s current state in one round trip', async () => {
    const one = await start(1);
    const two = await start(2);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    cluster.setPartition('t', 0, 1, 0);
    // A handle whose state stream is silent: only sync() can move its getters.
    const silent = new RemotePartition('t', 0, 1, asLeaderEpoch(0), two.client, { watch: () => () => undefined });
    await leader.append(batch(['a', 'b', 'c']), -1);
    expect(silent.highWatermark).toBe(0);
    await silent.sync();
    expect({ hw: silent.highWatermark, leo: silent.logEndOffset }).toEqual({ hw: 3, leo: 3 });

    const fresh = await two.router.resolveFresh('t', 0);
    expect(fresh!.highWatermark).toBe(3);
    expect(await one.router.resolveFresh('t', 0)).toBe(leader);

    await one.replicas.stopReplica('t', 0, false);
    const gone = await silent.sync().catch((e: unknown) => e);
    expect((gone as ReplicationError).code).toBe('NOT_LEADER_OR_FOLLOWER');
  });

  it('closing a server answers its long polls at once', async () => {
    const one = await start(1);
    const two = await start(2);
    await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    const call = two.client
      .call<{ ready: boolean }>(1, 'wait-for-data', { topic: 't', partition: 0, offset: 0, timeoutMs: 60_000 })
      .then((answer) => answer.params.ready)
      .catch(() => 'failed');
    await new Promise((resolve) => setTimeout(resolve, 50));
    await one.server.close();
    expect(await call).toBe(false);
  });
});

function captured(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
