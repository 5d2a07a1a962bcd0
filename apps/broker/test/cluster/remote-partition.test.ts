import { asLeaderEpoch, asOffset } from '@runnel/protocol';
import { RunnelError } from '../../src/common/errors';
import { PartitionStateWatcher } from '../../src/cluster/inter-broker/partition-state-watcher';
import type { PartitionStateSnapshot, PartitionStatesRequest, PartitionStatesResponse } from '../../src/cluster/inter-broker/types';
import { RemotePartition } from '../../src/cluster/remote-partition';
import { DURABLE, StubCluster, TestNode, batch, eventually, silentLog, startNode, stopNode } from './inter-broker-fixture';

const state = (highWatermark: number, leaderEpoch = 1): PartitionStateSnapshot => ({
  leaderEpoch,
  highWatermark,
  logStartOffset: 0,
  logEndOffset: highWatermark,
  sizeBytes: highWatermark * 10,
});

/** A fake `partition-states` leader (unit tests of the watcher alone): each call parks until the test answers or aborts it. */
class FakeLeader {
  readonly calls: {
    request: PartitionStatesRequest;
    signal?: AbortSignal;
    answer: (r: PartitionStatesResponse) => void;
    fail: (e: Error) => void;
  }[] = [];

  call = <T>(
    _brokerId: number,
    _route: string,
    params: unknown,
    _body?: Buffer,
    options?: { signal?: AbortSignal },
  ): Promise<{ params: T; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const signal = options?.signal;
      signal?.addEventListener('abort', () => reject(new RunnelError('RETRIABLE', 'cancelled')), { once: true });
      this.calls.push({
        request: params as PartitionStatesRequest,
        signal,
        answer: (response) => resolve({ params: response as T, body: Buffer.alloc(0) }),
        fail: reject,
      });
    });

  get last(): FakeLeader['calls'][number] {
    return this.calls[this.calls.length - 1];
  }
}

describe('RemotePartition and PartitionStateWatcher (fake leader)', () => {
  it('reads 0 before the first state, then the leader’s values; never moves HW back within an epoch', async () => {
    const leader = new FakeLeader();
    const watcher = new PartitionStateWatcher(leader, silentLog);
    const remote = new RemotePartition('t', 0, 1, asLeaderEpoch(1), leader, watcher);
    expect(remote.highWatermark).toBe(0);
    const ready = remote.ready(60_000);
    await eventually(() => leader.calls.length === 1, 5_000, 'first poll');
    expect(leader.last.request.partitions).toEqual([{ topic: 't', partition: 0, known: undefined }]);
    leader.last.answer({ partitions: [{ topic: 't', partition: 0, state: state(5) }] });
    await expect(ready).resolves.toBe(true);
    expect({ hw: remote.highWatermark, leo: remote.logEndOffset, size: remote.sizeBytes }).toEqual({ hw: 5, leo: 5, size: 50 });

    // The next poll carries what it knows; an older answer (reordered) is ignored.
    await eventually(() => leader.calls.length === 2, 5_000, 'second poll');
    expect(leader.last.request.partitions[0].known).toEqual(state(5));
    remote.applyState(state(3));
    expect(remote.highWatermark).toBe(5);
    remote.close();
    await watcher.close();
  });

  it('one poll per leader covers its partitions; a new partition re-issues the poll at once; the loop ends with its last partition', async () => {
    const leader = new FakeLeader();
    const watcher = new PartitionStateWatcher(leader, silentLog);
    const a = new RemotePartition('t', 0, 1, asLeaderEpoch(1), leader, watcher);
    await eventually(() => leader.calls.length === 1, 5_000, 'first poll');
    const b = new RemotePartition('t', 1, 1, asLeaderEpoch(1), leader, watcher);
    expect(leader.calls[0].signal?.aborted).toBe(true);
    await eventually(() => leader.calls.length === 2, 5_000, 're-issued poll');
    expect(leader.last.request.partitions.map((p) => p.partition)).toEqual([0, 1]);

    a.close();
    await eventually(() => leader.calls.length === 3, 5_000, 'poll without a');
    expect(leader.last.request.partitions.map((p) => p.partition)).toEqual([1]);
    b.close();
    expect(leader.last.signal?.aborted).toBe(true);
    await watcher.close();
    const calls = leader.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leader.calls.length).toBe(calls);
  });

  it('a failing leader is retried with backoff and the state arrives once it answers', async () => {
    const leader = new FakeLeader();
    const watcher = new PartitionStateWatcher(leader, silentLog, { backoffMinMs: 10, backoffMaxMs: 20 });
    const remote = new RemotePartition('t', 0, 1, asLeaderEpoch(1), leader, watcher);
    for (let i = 1; i <= 3; i++) {
      await eventually(() => leader.calls.length === i, 5_000, `poll ${i}`);
      leader.last.fail(new RunnelError('RETRIABLE', 'broker 1 is unreachable'));
    }
    await eventually(() => leader.calls.length === 4, 5_000, 'poll 4');
    leader.last.answer({ partitions: [{ topic: 't', partition: 0, state: state(7) }] });
    await eventually(() => remote.highWatermark === 7, 5_000, 'HW 7');
    remote.close();
    await watcher.close();
  });

  it('a partition the leader does not lead is marked notLed (not news again) and polled on a shorter bound until it is led', async () => {
    const leader = new FakeLeader();
    const watcher = new PartitionStateWatcher(leader, silentLog, { maxWaitMs: 10_000, notLedPollMs: 300 });
    const remote = new RemotePartition('t', 0, 1, asLeaderEpoch(1), leader, watcher);
    await eventually(() => leader.calls.length === 1, 5_000, 'first poll');
    expect(leader.last.request.maxWaitMs).toBe(10_000);
    leader.last.answer({ partitions: [{ topic: 't', partition: 0, error: 'NOT_LEADER_OR_FOLLOWER' }] });
    await eventually(() => leader.calls.length === 2, 5_000, 'second poll');
    expect(leader.last.request).toEqual({ partitions: [{ topic: 't', partition: 0, notLed: true }], maxWaitMs: 300 });
    leader.last.answer({ partitions: [{ topic: 't', partition: 0, state: state(4) }] });
    await eventually(() => leader.calls.length === 3, 5_000, 'third poll');
    expect(leader.last.request).toEqual({ partitions: [{ topic: 't', partition: 0, known: state(4) }], maxWaitMs: 10_000 });
    expect(remote.highWatermark).toBe(4);
    remote.close();
    await watcher.close();
  });

  it('close wakes parked readers and listeners once; a closed handle answers waitForData false', async () => {
    const leader = new FakeLeader();
    const watcher = new PartitionStateWatcher(leader, silentLog);
    const remote = new RemotePartition('t', 0, 1, asLeaderEpoch(1), leader, watcher);
    const heard: number[] = [];
    remote.onHighWatermark((hw) => heard.push(hw));
    const parked = remote.waitForData(0, 60_000);
    remote.applyState(state(2));
    await expect(parked).resolves.toBe(true);
    const parkedAgain = remote.waitForData(10, 60_000);
    remote.close();
    await expect(parkedAgain).resolves.toBe(false);
    expect(heard).toEqual([2, 2]);
    expect(remote.isClosed).toBe(true);
    await expect(remote.waitForData(10, 60_000)).resolves.toBe(false);
    await watcher.close();
  });
});

describe('RemotePartition over real listeners', () => {
  let cluster: StubCluster;
  const nodes: TestNode[] = [];
  afterEach(async () => {
    for (const node of nodes.splice(0)) await stopNode(node);
  });

  it('follows the leader’s HW, log start and size as the leader’s own clients write and delete', async () => {
    cluster = new StubCluster();
    const one = await startNode(cluster, 1);
    nodes.push(one);
    const two = await startNode(cluster, 2);
    nodes.push(two);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    cluster.setPartition('t', 0, 1, 0);
    const remote = two.router.resolve('t', 0)!;
    for (let i = 0; i < 5; i++) await leader.append(batch([`v${i}`]), -1);
    await eventually(() => remote.highWatermark === 5, 10_000, 'remote HW 5');
    await leader.deleteRecordsBefore(asOffset(2));
    await leader.append(batch(['last']), -1);
    await eventually(() => remote.logStartOffset === 2 && remote.highWatermark === 6, 10_000, 'log start 2, HW 6');
    expect(remote.sizeBytes).toBe(leader.sizeBytes);
  });

  it('partition-states parks while nothing changed and answers as soon as the HW moves', async () => {
    cluster = new StubCluster();
    const one = await startNode(cluster, 1);
    nodes.push(one);
    const two = await startNode(cluster, 2);
    nodes.push(two);
    const leader = await one.replicas.becomeLeader('t', 0, 0, DURABLE);
    await leader.append(batch(['a']), -1);
    const known = { leaderEpoch: 0, highWatermark: 1, logStartOffset: 0, logEndOffset: 1, sizeBytes: leader.sizeBytes };
    const ask = (partitions: PartitionStatesRequest['partitions']) =>
      two.client.call<PartitionStatesResponse>(1, 'partition-states', { partitions, maxWaitMs: 60_000 }).then((a) => a.params.partitions);

    // Up to date and a partition not led there that the caller already knows about: parks until the append.
    const parked = ask([
      { topic: 't', partition: 0, known },
      { topic: 'elsewhere', partition: 0, notLed: true },
    ]);
    let answered = false;
    void parked.then(() => (answered = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(answered).toBe(false);
    await leader.append(batch(['b']), -1);
    const [moved, elsewhere] = await parked;
    expect(moved.state).toMatchObject({ highWatermark: 2, logEndOffset: 2 });
    expect(elsewhere).toEqual({ topic: 'elsewhere', partition: 0, error: 'NOT_LEADER_OR_FOLLOWER' });

    // News answers at once: a stale known state, a first ask, a partition no longer led here.
    expect((await ask([{ topic: 't', partition: 0, known }]))[0].state?.highWatermark).toBe(2);
    expect((await ask([{ topic: 't', partition: 0 }]))[0].state?.highWatermark).toBe(2);
    expect((await ask([{ topic: 'elsewhere', partition: 0 }]))[0].error).toBe('NOT_LEADER_OR_FOLLOWER');
  });
});
