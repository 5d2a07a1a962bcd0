import type { ChangeDelta } from '../../src/changes/change-types';
import { MAX_DELTAS_PER_FRAME, WatchQueue, coalesce } from '../../src/changes/watch-queue';

/** A WatchQueue on a hand-driven timer: `tick()` runs the armed flush, as `coalesceMs` passing would. */
function setup(maxPending = 100) {
  const frames: ChangeDelta[][] = [];
  let timer: (() => void) | undefined;
  let armed = 0;
  let writable = true;
  let overflows = 0;
  const queue = new WatchQueue({
    maxPending,
    coalesceMs: 100,
    writable: () => writable,
    deliver: (deltas) => frames.push(deltas),
    overflow: () => overflows++,
    setTimer: (run, ms) => {
      expect(ms).toBe(100);
      armed++;
      timer = run;
      return run;
    },
    clearTimer: () => (timer = undefined),
  });
  return {
    queue,
    frames,
    tick: () => {
      const run = timer;
      timer = undefined;
      run?.();
    },
    get armed() {
      return armed;
    },
    get timerPending() {
      return timer !== undefined;
    },
    setWritable: (value: boolean) => (writable = value),
    get overflows() {
      return overflows;
    },
  };
}

const topic = (op: ChangeDelta['op'], name: string, partitions?: number, at = 1): ChangeDelta =>
  op === 'deleted' ? { resource: 'topic', op, name, at } : { resource: 'topic', op, name, partitions_count: partitions, at };
const acl = (op: 'created' | 'deleted', principal: string): ChangeDelta => ({
  resource: 'acl',
  op,
  at: 1,
  binding: {
    kind: 'KafkaAcl',
    cluster_id: 'c',
    resource_type: 'TOPIC',
    resource_name: 't',
    pattern_type: 'LITERAL',
    principal,
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  },
});

describe("WatchQueue: a watcher's coalesced, bounded deltas", () => {
  it('sends nothing until the coalescing timer fires, then every pending delta in one frame, in the order they first changed', () => {
    const t = setup();
    t.queue.push(topic('created', 'a', 1));
    t.queue.push(topic('created', 'b', 2));
    t.queue.push(topic('updated', 'a', 3, 5));
    expect(t.frames).toEqual([]);
    expect(t.armed).toBe(1);
    t.tick();
    expect(t.frames).toEqual([[topic('created', 'a', 3, 5), topic('created', 'b', 2)]]);
    expect(t.queue.size).toBe(0);
    t.tick();
    expect(t.frames).toHaveLength(1);
    t.queue.push(topic('deleted', 'b'));
    expect(t.armed).toBe(2);
    t.tick();
    expect(t.frames[1]).toEqual([topic('deleted', 'b')]);
  });

  it('coalesces to the net change of each resource instance', () => {
    expect(coalesce(topic('created', 'a', 1), topic('deleted', 'a'))).toBeNull();
    expect(coalesce(topic('deleted', 'a'), topic('created', 'a', 4))).toEqual(topic('updated', 'a', 4));
    expect(coalesce(topic('updated', 'a', 2), topic('deleted', 'a'))).toEqual(topic('deleted', 'a'));
    expect(coalesce(topic('updated', 'a', 2), topic('updated', 'a', 3))).toEqual(topic('updated', 'a', 3));
    expect(coalesce(acl('deleted', 'User:x'), acl('created', 'User:x'))).toBeNull();
    const t = setup();
    t.queue.push(topic('created', 'gone', 1));
    t.queue.push(topic('deleted', 'gone'));
    t.queue.push(acl('created', 'User:x'));
    t.queue.push(acl('created', 'User:y'));
    t.tick();
    expect(t.frames).toEqual([[acl('created', 'User:x'), acl('created', 'User:y')]]);
  });

  it('waits while the connection is not writable, coalescing meanwhile, and sends once it is', () => {
    const t = setup();
    t.setWritable(false);
    t.queue.push(topic('created', 'a', 1));
    t.tick();
    expect(t.frames).toEqual([]);
    expect(t.timerPending).toBe(true);
    t.queue.push(topic('updated', 'a', 2));
    t.tick();
    expect(t.frames).toEqual([]);
    t.setWritable(true);
    t.tick();
    expect(t.frames).toEqual([[topic('created', 'a', 2)]]);
  });

  it('splits a large backlog into frames of at most MAX_DELTAS_PER_FRAME deltas', () => {
    const t = setup(10_000);
    const count = MAX_DELTAS_PER_FRAME * 2 + 5;
    for (let i = 0; i < count; i++) t.queue.push(topic('created', `t${i}`, 1));
    t.tick();
    expect(t.frames.map((f) => f.length)).toEqual([MAX_DELTAS_PER_FRAME, MAX_DELTAS_PER_FRAME, 5]);
  });

  it('overflows past maxPending distinct instances: stops for good, drops what it held, and says so once', () => {
    const t = setup(3);
    for (const name of ['a', 'b', 'c']) t.queue.push(topic('created', name, 1));
    // Changes of instances already pending coalesce and never overflow.
    t.queue.push(topic('updated', 'a', 9));
    expect(t.overflows).toBe(0);
    t.queue.push(topic('created', 'd', 1));
    expect(t.overflows).toBe(1);
    expect(t.queue.isStopped).toBe(true);
    expect(t.queue.size).toBe(0);
    expect(t.timerPending).toBe(false);
    t.queue.push(topic('created', 'e', 1));
    t.tick();
    expect(t.overflows).toBe(1);
    expect(t.frames).toEqual([]);
  });

  it('a stopped queue sends nothing more, even what was pending', () => {
    const t = setup();
    t.queue.push(topic('created', 'a', 1));
    t.queue.stop();
    t.tick();
    t.queue.push(topic('created', 'b', 1));
    t.tick();
    expect(t.frames).toEqual([]);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new WatchQueue({ maxPending: 0, writable: () => true, deliver: () => undefined, overflow: () => undefined })).toThrow();
  });
});
