import { partitionForKey } from '@runnel/protocol';
import { Producer, RunnelClientError } from '@runnel/client';
import { FakeBroker, startFakeBroker } from './support/fake-broker';

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString());

describe('Producer', () => {
  let broker: FakeBroker;
  let producer: Producer | undefined;

  beforeEach(async () => {
    broker = await startFakeBroker({ orders: 1, keyed: 4, other: 1 });
  });
  afterEach(async () => {
    await producer?.close().catch(() => undefined);
    producer = undefined;
    await broker.close();
  });

  const make = (options: Partial<ConstructorParameters<typeof Producer>[0]> = {}): Producer =>
    (producer = new Producer({ baseUrl: broker.baseUrl, topic: 'orders', retryBackoffMs: 1, ...options }));

  it('sends records sent together as one RecordBatch and resolves each with base_offset + its index', async () => {
    const p = make({ lingerMs: 20 });
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => p.send({ value: `v${i}`, headers: { h: 'x' } })));
    expect(broker.requests).toHaveLength(1);
    expect(broker.requests[0].contentType).toBe('application/vnd.kafka.record-batch');
    expect(broker.requests[0].acks).toBe('all');
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(results.every((r) => r.partition === 0 && r.topic === 'orders')).toBe(true);
    const log = broker.logs.get('orders')![0];
    expect(log.map((r) => text(r.value))).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
    expect(text(log[7].headers[0].value)).toBe('x');
    expect(broker.lookups).toBe(1);
  });

  it('puts keyed records on their murmur2 partition and unkeyed ones on one sticky partition', async () => {
    const p = make({ topic: 'keyed', acks: 1 });
    const keyed = await Promise.all(Array.from({ length: 200 }, (_, i) => p.send({ key: `k${i}`, value: `${i}` })));
    keyed.forEach((r, i) => expect(r.partition).toBe(partitionForKey(Buffer.from(`k${i}`), 4)));
    const logs = broker.logs.get('keyed')!;
    for (let partition = 0; partition < 4; partition++) {
      for (const record of logs[partition] ?? []) expect(partitionForKey(record.key!, 4)).toBe(partition);
    }
    const unkeyed = await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ value: `u${i}` })));
    expect(new Set(unkeyed.map((r) => r.partition)).size).toBe(1);
    expect(broker.requests.every((r) => r.acks === '1')).toBe(true);
    const explicit = await p.send({ value: 'here', partition: 3 });
    expect(explicit.partition).toBe(3);
  });

  it('splits a partition into batches no larger than batchBytes, in order', async () => {
    const p = make({ batchBytes: 2000, lingerMs: 50 });
    const value = Buffer.alloc(100, 7);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => p.send({ value, key: `${i}` })));
    expect(broker.requests.length).toBeGreaterThan(2);
    for (const request of broker.requests) expect(request.records.length * 100).toBeLessThanOrEqual(2000);
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(broker.logs.get('orders')![0].map((r) => text(r.key))).toEqual(Array.from({ length: 50 }, (_, i) => `${i}`));
  });

  it('sends a lone record after lingerMs without a flush', async () => {
    const p = make({ lingerMs: 10 });
    await expect(p.send({ value: 'alone' })).resolves.toEqual({ topic: 'orders', partition: 0, offset: 0 });
  });

  it('retries 50003 with the same Idempotency-Key and keeps one partition in send() order', async () => {
    broker.onProduce = (request, attempt) => {
      if (attempt <= 2) {
        request.res.writeHead(503, { 'content-type': 'application/json' }).end('{"error_code":50003,"message":"not enough replicas"}');
        return true;
      }
    };
    const p = make({ lingerMs: 0, batchBytes: 500 });
    const sends: Promise<unknown>[] = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) sends.push(p.send({ value: `${round}-${i}`, key: 'same' }));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(sends);
    const expected = Array.from({ length: 100 }, (_, n) => `${Math.floor(n / 20)}-${n % 20}`);
    expect(broker.logs.get('orders')![0].map((r) => text(r.value))).toEqual(expected);
    expect(broker.maxConcurrentPerPartition).toBe(1);
    const byKey = new Map<string, number>();
    for (const r of broker.requests) byKey.set(r.idempotencyKey!, (byKey.get(r.idempotencyKey!) ?? 0) + 1);
    expect([...byKey.values()].every((attempts) => attempts === 3)).toBe(true);
  });

  it('waits out 429 Retry-After and retries', async () => {
    broker.onProduce = (request, attempt) => {
      if (attempt === 1) {
        request.res
          .writeHead(429, { 'content-type': 'application/json', 'retry-after': '0' })
          .end('{"error_code":42901,"message":"throttled"}');
        return true;
      }
    };
    await expect(make().send({ value: 'x' })).resolves.toMatchObject({ offset: 0 });
    expect(broker.requests).toHaveLength(2);
  });

  it('retries after the connection is cut', async () => {
    broker.onProduce = (request, attempt) => {
      if (attempt === 1) {
        request.res.socket!.destroy();
        return true;
      }
    };
    await expect(make().send({ value: 'x' })).resolves.toMatchObject({ offset: 0 });
    expect(broker.logs.get('orders')![0]).toHaveLength(1);
  });

  it('rejects only the records of a batch refused with a non-retriable error', async () => {
    broker.onProduce = (request) => {
      if (request.records.some((r) => text(r.value) === 'bad')) {
        request.res.writeHead(400, { 'content-type': 'application/json' }).end('{"error_code":40001,"message":"invalid record"}');
        return true;
      }
    };
    const p = make();
    const first = p.send({ value: 'good-1' });
    await p.flush();
    const bad = [p.send({ value: 'bad' }), p.send({ value: 'with-bad' })];
    await p.flush();
    const last = p.send({ value: 'good-2' });
    await expect(first).resolves.toMatchObject({ offset: 0 });
    for (const b of bad) await expect(b).rejects.toMatchObject({ errorCode: 40001, status: 400, retriable: false });
    await expect(last).resolves.toMatchObject({ offset: 1 });
    expect(broker.requests.filter((r) => text(r.records[0].value) === 'bad')).toHaveLength(1);
  });

  it('gives up after `retries` retries with the last error', async () => {
    broker.onProduce = (request) => {
      request.res.writeHead(503, { 'content-type': 'application/json' }).end('{"error_code":50003,"message":"leader not available"}');
      return true;
    };
    const error = await make({ retries: 2 })
      .send({ value: 'x' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnelClientError);
    expect(error).toMatchObject({ errorCode: 50003, retriable: true });
    expect(broker.requests).toHaveLength(3);
  });

  it('rejects records of an unknown topic with 40403 and keeps serving other topics', async () => {
    const p = make();
    await expect(p.send({ topic: 'missing', value: 'x' })).rejects.toMatchObject({ errorCode: 40403 });
    await expect(p.send({ topic: 'other', value: 'y' })).resolves.toMatchObject({ topic: 'other', offset: 0 });
  });

  it('flush() sends lingering records at once; close() refuses new ones', async () => {
    const p = make({ lingerMs: 3_600_000 });
    const pending = p.send({ value: 'x' });
    await p.flush();
    await expect(pending).resolves.toMatchObject({ offset: 0 });
    await p.close();
    await expect(p.send({ value: 'late' })).rejects.toThrow('closed');
  });

  it('holds records beyond bufferBytes back and still appends them in order', async () => {
    const p = make({ bufferBytes: 1000, batchBytes: 400 });
    const value = Buffer.alloc(100, 1);
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => p.send({ value, key: `${i}`, partition: 0 })));
    expect(results.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(broker.logs.get('orders')![0].map((r) => text(r.key))).toEqual(Array.from({ length: 60 }, (_, i) => `${i}`));
  });

  it('compresses batches with the configured codec', async () => {
    const p = make({ compression: 'gzip' });
    await Promise.all([p.send({ value: 'a'.repeat(1000) }), p.send({ value: null, key: 'k' })]);
    const log = broker.logs.get('orders')![0];
    expect(text(log[0].value)).toBe('a'.repeat(1000));
    expect(log[1].value).toBeNull();
  });
});
