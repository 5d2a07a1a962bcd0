import { Member, GROUP_ENV, createTopic, eventually, produce, range } from '../groups/group-support';
import { BrokerProcess, startBroker } from '../support/broker-process';
import { BINARY_V2, Instance, JSON_V2, V2, call, getWithBody, text } from './consumer-support';

/**
 * HTTP consumer instances (Confluent REST v2 / Strimzi bridge API) against the real broker
 * process: members of the same groups as WebSocket members, polls, commits, seeks, manual
 * assignment, topic patterns, formats, errors and limits.
 */
describe('broker process: HTTP consumer instances', () => {
  let broker: BrokerProcess;
  const members: Member[] = [];
  beforeAll(async () => {
    broker = await startBroker({
      env: { ...GROUP_ENV, RUNNEL_HTTP_CONSUMERS_MAX_PER_GROUP: '3', RUNNEL_HTTP_CONSUMERS_MAX: '12' },
    });
  });
  afterAll(async () => {
    for (const m of members.splice(0)) m.close();
    await broker?.stop();
  });

  it('two HTTP instances and a WebSocket member share a topic: each partition read by one of them, every record once', async () => {
    await createTopic(broker, 'shared', 6);
    const config = { format: 'binary', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false };
    const a = await Instance.create(broker, 'shared-g', { ...config, name: 'a' });
    const b = await Instance.create(broker, 'shared-g', { ...config, name: 'b' });
    expect((await a.call('POST', '/subscription', { topics: ['shared'] })).status).toBe(204);
    expect((await b.call('POST', '/subscription', { topics: ['shared'] })).status).toBe(204);
    const ws = await Member.join(broker, { group: 'shared-g', topic: 'shared', from: 'earliest', auto_commit: false });
    members.push(ws);
    // Settled: the three views cover the 6 partitions, 2 each, none twice.
    await eventually(
      async () => [await a.assignment(), await b.assignment(), ws.ownedKeys()],
      (views) => views.every((v) => v.length === 2) && new Set(views.flat()).size === 6,
    );
    for (let p = 0; p < 6; p++) await produce(broker, 'shared', p, range(5, `p${p}-`));

    const seen = new Map<string, string[]>(); // partition -> who read it
    const values: string[] = [];
    const note = (who: string, partition: number, value: string): void => {
      seen.set(String(partition), [...new Set([...(seen.get(String(partition)) ?? []), who])]);
      values.push(value);
    };
    let wsCounted = 0;
    await eventually(
      async () => {
        for (const r of await a.poll(100)) note('a', r.partition, text(r.value));
        for (const r of await b.poll(100)) note('b', r.partition, text(r.value));
        const wsRecords = ws.records();
        for (const r of wsRecords.slice(wsCounted)) note('ws', r.partition, r.value.data);
        wsCounted = wsRecords.length;
        return values.length;
      },
      (n) => n >= 30,
    );
    expect(values.sort()).toEqual(
      Array.from({ length: 6 }, (_, p) => range(5, `p${p}-`))
        .flat()
        .sort(),
    );
    expect([...seen.values()].every((readers) => readers.length === 1)).toBe(true);
    expect(new Set([...seen.values()].flat())).toEqual(new Set(['a', 'b', 'ws']));
    // Nothing more comes: no record twice.
    expect(await a.poll(100)).toEqual([]);
    expect(await b.poll(100)).toEqual([]);

    // An HTTP instance that leaves hands its partitions on: the other two take them.
    expect((await a.call('DELETE', '')).status).toBe(204);
    await eventually(
      async () => [await b.assignment(), ws.ownedKeys()],
      (views) => views.flat().length === 6 && new Set(views.flat()).size === 6,
    );
    expect((await a.call('GET', '/assignments')).status).toBe(404);
    ws.close();
    await eventually(
      () => b.assignment(),
      (owned) => owned.length === 6,
    );
    // b never committed (auto-commit off) and ws neither: b reads a's and ws's partitions from the start.
    const rest = await b.pollUntil(20);
    expect(new Set(rest.map((r) => r.partition)).size).toBe(4);
    await b.call('DELETE', '');
  });

  it('polls return the spec shape; commit with a body, with an empty body, and read commits back', async () => {
    await createTopic(broker, 'shape', 1);
    const c = await Instance.create(broker, 'shape-g', { format: 'binary', 'auto.offset.reset': 'earliest', 'enable.auto.commit': false });
    await c.call('POST', '/subscription', { topics: ['shape'] });
    const sent = await fetch(`${broker.baseUrl}/v3/clusters/-/topics/shape/records`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        partition_id: 0,
        key: { type: 'STRING', data: 'k' },
        value: { type: 'STRING', data: 'v' },
        headers: [{ name: 'h', value: Buffer.from('hv').toString('base64') }],
      }),
    });
    expect(sent.status).toBe(200);
    await produce(broker, 'shape', 0, ['two', 'three']);
    const answer = await c.call('GET', '/records?timeout=5000', undefined, { accept: BINARY_V2 });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain(BINARY_V2);
    expect(answer.body[0]).toEqual({
      topic: 'shape',
      key: Buffer.from('k').toString('base64'),
      value: Buffer.from('v').toString('base64'),
      partition: 0,
      offset: 0,
      timestamp: expect.any(Number),
      headers: [{ key: 'h', value: Buffer.from('hv').toString('base64') }],
    });
    const records = [...answer.body, ...(await c.pollUntil(3 - answer.body.length))];
    expect(records.map((r) => r.offset)).toEqual([0, 1, 2]);

    expect((await c.call('POST', '/offsets', { offsets: [{ topic: 'shape', partition: 0, offset: 1 }] })).status).toBe(204);
    const one = await c.call('GET', '/offsets');
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ offsets: [{ topic: 'shape', partition: 0, offset: 1, metadata: '' }] });
    // Empty body: everything polled so far.
    expect((await c.call('POST', '/offsets')).status).toBe(204);
    const all = await getWithBody(broker, `${c.path}/offsets`, { partitions: [{ topic: 'shape', partition: 0 }] });
    expect(all.body).toEqual({ offsets: [{ topic: 'shape', partition: 0, offset: 3, metadata: '' }] });
    // The group's committed offset is the same one the v3 API reports.
    const lag = await fetch(`${broker.baseUrl}/v3/clusters/-/consumer-groups/shape-g/lags`).then((r) => r.json());
    expect(JSON.stringify(lag)).toContain('"current_offset":3');
    await c.call('DELETE', '');
  });

  it('max_bytes bounds a poll (the first batch whole, so every poll progresses)', async () => {
    await createTopic(broker, 'bounded', 1);
    for (let i = 0; i < 3; i++) await produce(broker, 'bounded', 0, [`${i}`.repeat(2000), `${i}b`]);
    const c = await Instance.create(broker, 'bounded-g', { 'auto.offset.reset': 'earliest' });
    await c.call('POST', '/subscription', { topics: ['bounded'] });
    await eventually(
      () => c.assignment(),
      (owned) => owned.length === 1,
    );
    const polls: number[][] = [];
    while (polls.flat().length < 6) polls.push((await c.poll(1000, '&max_bytes=1')).map((r) => r.offset));
    expect(polls).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    const all = await Instance.create(broker, 'bounded-g2', { 'auto.offset.reset': 'earliest' });
    await all.call('POST', '/subscription', { topics: ['bounded'] });
    expect((await all.pollUntil(6)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5]);
    await c.call('DELETE', '');
    await all.call('DELETE', '');
  });

  it('one poll at a time, none before a subscription; resubscribing replaces; deleting auto-commits what was polled', async () => {
    await createTopic(broker, 'once-a', 1);
    await createTopic(broker, 'once-b', 1);
    const c = await Instance.create(broker, 'once-g', { name: 'c', 'auto.offset.reset': 'earliest' });
    const early = await c.call('GET', '/records', undefined, { accept: BINARY_V2 });
    expect([early.status, early.body.error_code]).toEqual([409, 40903]);
    await c.call('POST', '/subscription', { topics: ['once-a'] });
    await eventually(
      () => c.assignment(),
      (owned) => owned.length === 1,
    );
    // Two polls at once: whichever arrives second is refused at once; the other waits for data.
    const polls = [0, 1].map(() => c.call('GET', '/records?timeout=20000', undefined, { accept: BINARY_V2 }));
    const refused = await Promise.race(polls);
    expect([refused.status, refused.body]).toEqual([
      409,
      { error_code: 40903, message: 'A poll of this consumer instance is already waiting' },
    ]);
    await produce(broker, 'once-a', 0, ['a0', 'a1']);
    const answers = await Promise.all(polls);
    const served = answers.find((answer) => answer.status === 200)!;
    expect(served.body.map((r: { value: string }) => text(r.value))).toEqual(['a0', 'a1']);
    // A new subscription replaces the old one (Kafka's subscribe()).
    expect((await c.call('POST', '/subscription', { topics: ['once-b'] })).status).toBe(204);
    expect((await c.call('GET', '/subscription')).body).toEqual({ topics: ['once-b'] });
    await eventually(
      () => c.assignment(),
      (owned) => JSON.stringify(owned) === '["once-b/0"]',
    );
    await produce(broker, 'once-b', 0, ['b0']);
    expect((await c.pollUntil(1)).map((r) => text(r.value))).toEqual(['b0']);
    expect((await c.call('DELETE', '')).status).toBe(204);
    // Auto-commit: leaving once-a and deleting the instance committed what the polls returned.
    const reader = await Instance.create(broker, 'once-g', {});
    const committed = await getWithBody(broker, `${reader.path}/offsets`, {
      partitions: [
        { topic: 'once-a', partition: 0 },
        { topic: 'once-b', partition: 0 },
      ],
    });
    expect(committed.body.offsets.map((o: { topic: string; offset: number }) => `${o.topic}@${o.offset}`).sort()).toEqual([
      'once-a@2',
      'once-b@1',
    ]);
    await reader.call('DELETE', '');
  });

  it('json instances return JSON values as stored; a record that is not JSON is 406, and a seek passes it', async () => {
    await createTopic(broker, 'jsons', 1);
    await produce(broker, 'jsons', 0, ['{"n":12345678901234567890}', 'not json', '[1,2]']);
    const j = await Instance.create(broker, 'json-g', { format: 'json', 'auto.offset.reset': 'earliest' });
    await j.call('POST', '/subscription', { topics: ['jsons'] });
    const raw = await eventually(
      () => fetch(`${broker.baseUrl}${j.path}/records?timeout=200`, { headers: { accept: JSON_V2 } }).then((r) => r.text()),
      (body) => body !== '[]',
    );
    expect(raw).toContain('"value":{"n":12345678901234567890}'); // exact, not a rounded double
    const bad = await j.call('GET', '/records?timeout=200', undefined, { accept: JSON_V2 });
    expect(bad.status).toBe(406);
    expect(bad.body).toEqual({ error_code: 40601, message: expect.stringContaining('offset 1 of jsons-0 is not JSON') });
    expect((await j.call('POST', '/positions', { offsets: [{ topic: 'jsons', partition: 0, offset: 2 }] })).status).toBe(204);
    expect((await j.poll()).map((r) => r.value)).toEqual([[1, 2]]);
    // Accept naming another format than the instance's: 406 / 40601.
    const mismatch = await j.call('GET', '/records', undefined, { accept: BINARY_V2 });
    expect(mismatch.status).toBe(406);
    expect(mismatch.body.error_code).toBe(40601);
    await j.call('DELETE', '');
  });

  it('seeks to beginning and end, manual assignment, and subscription and assignment are mutually exclusive', async () => {
    await createTopic(broker, 'seeks', 2);
    await produce(broker, 'seeks', 0, range(4));
    await produce(broker, 'seeks', 1, range(2));
    const m = await Instance.create(broker, 'manual-g', { 'auto.offset.reset': 'latest', 'enable.auto.commit': false });
    expect((await m.call('POST', '/assignments', { partitions: [{ topic: 'seeks', partition: 0 }] })).status).toBe(204);
    expect(await m.assignment()).toEqual(['seeks/0']);
    expect(await m.poll(0)).toEqual([]); // latest: at the end
    expect((await m.call('POST', '/positions/beginning', { partitions: [{ topic: 'seeks', partition: 0 }] })).status).toBe(204);
    expect((await m.pollUntil(4)).map((r) => text(r.value))).toEqual(range(4));
    expect((await m.call('POST', '/positions', { offsets: [{ topic: 'seeks', partition: 0, offset: 2 }] })).status).toBe(204);
    expect((await m.pollUntil(2)).map((r) => r.offset)).toEqual([2, 3]);
    await m.call('POST', '/positions/beginning', { partitions: [{ topic: 'seeks', partition: 0 }] });
    await m.call('POST', '/positions/end', { partitions: [{ topic: 'seeks', partition: 0 }] });
    expect(await m.poll(0)).toEqual([]);
    // A partition it does not own: 404 / 40403.
    const notMine = await m.call('POST', '/positions/beginning', { partitions: [{ topic: 'seeks', partition: 1 }] });
    expect(notMine.status).toBe(404);
    expect(notMine.body.error_code).toBe(40403);
    // Manual commits land in the group (it has no members).
    expect((await m.call('POST', '/offsets', { offsets: [{ topic: 'seeks', partition: 0, offset: 3 }] })).status).toBe(204);
    expect((await m.call('GET', '/offsets')).body.offsets).toEqual([{ topic: 'seeks', partition: 0, offset: 3, metadata: '' }]);
    const exclusive = await m.call('POST', '/subscription', { topics: ['seeks'] });
    expect(exclusive.status).toBe(409);
    expect(exclusive.body.error_code).toBe(40903);
    // After unsubscribe (which clears the assignment), it may subscribe, and then not assign.
    expect((await m.call('DELETE', '/subscription')).status).toBe(204);
    expect(await m.assignment()).toEqual([]);
    expect((await m.call('POST', '/subscription', { topics: ['seeks'] })).status).toBe(204);
    expect((await m.call('GET', '/subscription')).body).toEqual({ topics: ['seeks'] });
    const assign = await m.call('POST', '/assignments', { partitions: [{ topic: 'seeks', partition: 1 }] });
    expect(assign.status).toBe(409);
    expect(assign.body.error_code).toBe(40903);
    // The group's committed offset is where a subscribed instance starts.
    await eventually(
      () => m.assignment(),
      (owned) => owned.length === 2,
    );
    // p0 resumes at the commit (3); p1 has none: auto.offset.reset latest, nothing to read.
    expect((await m.pollUntil(1)).map((r) => `${r.partition}@${r.offset}`)).toEqual(['0@3']);
    await m.call('DELETE', '');
  });

  it('topic_pattern subscribes to matching topics, also those created later', async () => {
    await createTopic(broker, 'pat-1', 1);
    await createTopic(broker, 'other-1', 1);
    const p = await Instance.create(broker, 'pattern-g', { 'auto.offset.reset': 'earliest' });
    expect((await p.call('POST', '/subscription', { topic_pattern: 'pat-[0-9]+' })).status).toBe(204);
    expect((await p.call('GET', '/subscription')).body).toEqual({ topics: ['pat-1'] });
    await createTopic(broker, 'pat-2', 1);
    await produce(broker, 'pat-2', 0, ['late']);
    await produce(broker, 'other-1', 0, ['never']);
    const records = await p.pollUntil(1);
    expect(records.map((r) => [r.topic, text(r.value)])).toEqual([['pat-2', 'late']]);
    const bad = await p.call('POST', '/subscription', { topic_pattern: '(a+)+$' });
    expect(bad.status).toBe(422);
    const both = await p.call('POST', '/subscription', { topics: ['x'], topic_pattern: 'x' });
    expect(both.status).toBe(409);
    const neither = await p.call('POST', '/subscription', {});
    expect(neither.status).toBe(422);
    await p.call('DELETE', '');
  });

  it('answers unknown instances, duplicates, bad configs and the instance limits with their codes', async () => {
    for (const [method, suffix] of [
      ['GET', '/records'],
      ['POST', '/subscription'],
      ['GET', '/subscription'],
      ['DELETE', ''],
      ['POST', '/offsets'],
      ['GET', '/assignments'],
    ]) {
      const answer = await call(
        broker,
        method,
        `/consumers/nobody-g/instances/nobody${suffix}`,
        method === 'POST' ? { topics: ['t'] } : undefined,
      );
      expect([method, suffix, answer.status, answer.body]).toEqual([
        method,
        suffix,
        404,
        { error_code: 40403, message: 'Consumer instance not found.' },
      ]);
    }
    const created = await call(broker, 'POST', '/consumers/limits-g', { name: 'one' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ instance_id: 'one', base_uri: `${broker.baseUrl}/consumers/limits-g/instances/one` });
    expect(created.headers.get('content-type')).toContain(V2);
    const duplicate = await call(broker, 'POST', '/consumers/limits-g', { name: 'one' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error_code).toBe(40902);
    for (const bad of [
      { format: 'avro' },
      { 'auto.offset.reset': 'sometimes' },
      { 'fetch.min.bytes': -1 },
      { color: 'blue' },
      { name: 'a/b' },
    ]) {
      const answer = await call(broker, 'POST', '/consumers/limits-g', bad);
      expect([bad, answer.status, answer.body.error_code]).toEqual([bad, 422, 42204]);
    }
    // Unnamed instances get a generated name; Confluent's spelling of the configs is accepted.
    const unnamed = await call(broker, 'POST', '/consumers/limits-g', { 'auto.commit.enable': 'false', 'fetch.min.bytes': '1' });
    expect(unnamed.status).toBe(200);
    expect(unnamed.body.instance_id).toMatch(/^rest-consumer-/);
    await call(broker, 'POST', '/consumers/limits-g', { name: 'three' });
    const overGroup = await call(broker, 'POST', '/consumers/limits-g', { name: 'four' });
    expect(overGroup.status).toBe(429);
    expect(overGroup.body).toEqual({
      error_code: 42901,
      message: expect.stringContaining("Group 'limits-g' has 3 HTTP consumer instances"),
    });
    expect(overGroup.headers.get('retry-after')).toMatch(/^\d+$/);
    // Broker-wide: 12 in all.
    const extra: string[] = [];
    for (let i = 0; ; i++) {
      const answer = await call(broker, 'POST', `/consumers/limits-${i % 10}-g`, {});
      if (answer.status === 429) {
        expect(answer.body.message).toContain('This broker has 12 HTTP consumer instances');
        break;
      }
      expect(answer.status).toBe(200);
      extra.push(`/consumers/limits-${i % 10}-g/instances/${answer.body.instance_id}`);
      expect(i).toBeLessThan(12);
    }
    const metrics = await fetch(`${broker.baseUrl}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^runnel_http_consumer_instances 12$/m);
    for (const path of extra) expect((await call(broker, 'DELETE', path)).status).toBe(204);
    for (const name of ['one', 'three', unnamed.body.instance_id]) await call(broker, 'DELETE', `/consumers/limits-g/instances/${name}`);
    const none = await call(broker, 'GET', '/consumers/limits-g/instances/one/records', undefined, { accept: BINARY_V2 });
    expect(none.status).toBe(404);
  });
});
