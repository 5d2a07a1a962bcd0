import { OutboundBudget, OutboundPeer } from '../../src/ws/outbound-budget';

/** OutboundBudget over fake peers and a fake clock: caps, slow-consumer verdicts, laggard eviction. */
class FakePeer implements OutboundPeer {
  unsentBytes = 0;
  closedWith: string | undefined;
  wakes = 0;
  closeSlow(reason: string): void {
    this.closedWith = reason;
  }
  wake(): void {
    this.wakes++;
  }
}

function setup(limits = { connectionBytesMax: 100, totalBytesMax: 250, slowConsumerTimeoutMs: 1000 }) {
  const clock = { now: 0 };
  const budget = new OutboundBudget(limits, () => clock.now);
  const add = () => {
    const peer = new FakePeer();
    return { peer, connection: budget.register(peer) };
  };
  return { clock, budget, add };
}

describe('OutboundBudget', () => {
  it('refuses a connection at its own cap, and everyone at the total cap', () => {
    const { budget, add } = setup();
    const a = add();
    const b = add();
    a.peer.unsentBytes = 100;
    a.connection.queued(100);
    expect(a.connection.mayWrite()).toBe(false);
    expect(b.connection.mayWrite()).toBe(true);
    b.peer.unsentBytes = 99;
    b.connection.queued(99);
    const c = add();
    c.peer.unsentBytes = 60;
    c.connection.queued(60);
    expect(budget.stats().unsentBytes).toBe(259);
    expect(b.connection.mayWrite()).toBe(false); // under its own cap, but the total is spent
    expect(budget.stats().unsentBytesPeak).toBe(259);
  });

  it('closes a connection that reads nothing for the timeout, not one that reads slowly', () => {
    const { clock, budget, add } = setup();
    const stuck = add();
    const slowReader = add();
    for (const { peer, connection } of [stuck, slowReader]) {
      peer.unsentBytes = 80;
      connection.queued(80);
    }
    for (let t = 1; t <= 4; t++) {
      clock.now = t * 300;
      // The slow reader takes 10 bytes per sweep while 10 more are queued: its unsent bytes stay at 80.
      slowReader.connection.queued(10);
      budget.sweep();
    }
    expect(stuck.peer.closedWith).toMatch(/^slow consumer: read nothing of 80 unsent bytes for 1200 ms/);
    expect(slowReader.peer.closedWith).toBeUndefined();
    expect(budget.stats().slowConsumerCloses).toBe(1);
    stuck.connection.release();
    expect(budget.stats()).toMatchObject({ unsentBytes: 80, connections: 1 });
  });

  it('when the total is spent, closes the worst laggards first and wakes the waiting', () => {
    const { budget, add } = setup({ connectionBytesMax: 200, totalBytesMax: 250, slowConsumerTimeoutMs: 60_000 });
    const big = add();
    const medium = add();
    const small = add();
    for (const [{ peer, connection }, bytes] of [
      [big, 150],
      [medium, 90],
      [small, 20],
    ] as const) {
      peer.unsentBytes = bytes;
      connection.queued(bytes);
    }
    expect(small.connection.mayWrite()).toBe(false);
    budget.sweep();
    expect(big.peer.closedWith).toMatch(/^slow consumer: 150 unsent bytes while the broker's 250-byte outbound budget is spent/);
    expect(medium.peer.closedWith).toBeUndefined();
    expect(small.peer.closedWith).toBeUndefined();
    big.connection.release(); // the socket closed
    budget.sweep();
    expect(small.peer.wakes).toBe(1);
    expect(small.connection.mayWrite()).toBe(true);
  });
});
