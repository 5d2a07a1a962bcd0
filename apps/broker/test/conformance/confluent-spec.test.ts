import { SpecValidator, linksIn, readSpec, rewriteNullable, specOperations } from './confluent-spec';

/**
 * The oracle of the conformance suite, tested on its own: it must find every operation of
 * Confluent's spec, and it must refuse what the spec refuses (a number where the spec has a
 * date-time, a bare string where it has a `{"related": url}` link) while accepting the spec's own
 * examples, `null` where the spec says `nullable`.
 */
describe("Confluent's REST v3 spec as a test oracle", () => {
  const doc = readSpec();
  const operations = specOperations(doc);
  const validator = new SpecValidator(doc);
  const op = (id: string) => operations.find((o) => o.id === id)!;

  it('enumerates all 50 operations of the spec, the 4 ACL operations among them, with unnamed ones named by method and path', () => {
    expect(operations).toHaveLength(50);
    expect(
      operations
        .filter((o) => o.path.includes('/acls'))
        .map((o) => o.id)
        .sort(),
    ).toEqual(['batchCreateKafkaAcls', 'createKafkaAcls', 'deleteKafkaAcls', 'getKafkaAcls']);
    expect(operations.map((o) => o.id)).toEqual(
      expect.arrayContaining([
        'listKafkaClusters',
        'produceRecord',
        'GET /clusters/{cluster_id}/brokers',
        'GET /clusters/{cluster_id}/topics/-/partitions/-/reassignment',
      ]),
    );
    expect(new Set(operations.map((o) => o.id)).size).toBe(50);
    expect(op('produceRecord').requestExamples).toHaveProperty('binary_and_json.timestamp', '2021-02-05T19:14:42Z');
    expect(op('updatePartitionCountKafkaTopic').requestExamples).toEqual({ example: { partitions_count: 10 } });
  });

  it("accepts the spec's own example answers and refuses epoch-millisecond timestamps and bare-string links", () => {
    const produced = {
      error_code: 200,
      cluster_id: 'c',
      topic_name: 't',
      partition_id: 0,
      offset: 0,
      timestamp: '2021-02-05T19:14:42.000Z',
      value: { type: 'STRING', size: 1 },
    };
    expect(validator.check(op('produceRecord'), 200, 'application/json', JSON.stringify(produced)).problems).toEqual([]);
    expect(
      validator.check(op('produceRecord'), 200, 'application/json', JSON.stringify({ ...produced, timestamp: 1612552482000 })).problems,
    ).toEqual(['body at /timestamp: must be string,null (value: 1612552482000)']);
    const partition = {
      kind: 'KafkaPartition',
      metadata: { self: 'http://x/p', resource_name: null },
      cluster_id: 'c',
      topic_name: 't',
      partition_id: 0,
      leader: { related: 'http://x/l' },
      replicas: { related: 'http://x/r' },
      reassignment: { related: 'http://x/a' },
    };
    expect(validator.check(op('getKafkaPartition'), 200, 'application/json', JSON.stringify(partition)).problems).toEqual([]);
    expect(
      validator.check(op('getKafkaPartition'), 200, 'application/json', JSON.stringify({ ...partition, leader: 'http://x/l' })).problems,
    ).toEqual(['body at /leader: must be object (value: "http://x/l")']);
  });

  it('checks statuses, content types and empty bodies against what the operation declares', () => {
    const deleteTopic = op('deleteKafkaTopic');
    expect(validator.check(deleteTopic, 204, null, '').problems).toEqual([]);
    expect(validator.check(deleteTopic, 204, 'application/json', '{}').problems).toEqual(['status 204 has no body in the spec, got "{}"']);
    expect(validator.check(deleteTopic, 404, 'application/json', '{"error_code":40403,"message":"no"}').problems).toEqual([]);
    expect(validator.check(deleteTopic, 404, 'text/plain', 'no').problems).toEqual([
      'content-type text/plain is not one the spec declares (application/json)',
    ]);
    expect(validator.check(op('getKafkaCluster'), 404, 'application/json', '{"error_code":404,"message":"no"}').problems).toEqual([
      'status 404 is not one the spec lists for getKafkaCluster (200, 400, 401, 403, 429, 5XX)',
    ]);
    expect(validator.check(op('getKafkaCluster'), 500, 'application/json', '{"error_code":500,"message":"x"}').problems).toHaveLength(1);
  });

  it("checks request bodies against the operation's request schema", () => {
    expect(validator.checkRequest(op('updatePartitionCountKafkaTopic'), { partitions_count: 10 })).toEqual([]);
    expect(validator.checkRequest(op('updatePartitionCountKafkaTopic'), { partitions_count: '10' })).toEqual([
      'request body at /partitions_count: must be integer (value: "10")',
    ]);
    expect(validator.checkRequest(op('getKafkaTopic'), {})).toEqual(['getKafkaTopic takes no JSON request body']);
  });

  it("corrects the spec's invalid `type: int64` (partition offsets) to an int64 integer", () => {
    const offsets = {
      kind: 'KafkaPartitionWithOffsets',
      metadata: { self: 'http://x/o' },
      cluster_id: 'c',
      topic_name: 't',
      partition_id: 0,
      earliest_offset: 0,
      latest_offset: 5,
    };
    expect(validator.check(op('listKafkaPartitionOffsets'), 200, 'application/json', JSON.stringify(offsets)).problems).toEqual([]);
    expect(
      validator.check(op('listKafkaPartitionOffsets'), 200, 'application/json', JSON.stringify({ ...offsets, latest_offset: '5' }))
        .problems,
    ).toEqual(['body at /latest_offset: must be integer (value: "5")']);
  });

  it('rewrites nullable into type unions, enums with null, and anyOf for untyped schemas', () => {
    expect(rewriteNullable({ type: 'string', nullable: true })).toEqual({ type: ['string', 'null'] });
    expect(rewriteNullable({ type: 'string', enum: ['A'], nullable: true })).toEqual({ type: ['string', 'null'], enum: ['A', null] });
    expect(rewriteNullable({ nullable: true, allOf: [{ $ref: '#/x' }] })).toEqual({
      anyOf: [{ type: 'null' }, { allOf: [{ $ref: '#/x' }] }],
    });
  });

  it('collects every self and related URL of a body once', () => {
    const body = {
      metadata: { self: 'a', next: 'n' },
      data: [{ leader: { related: 'b' }, metadata: { self: 'c' } }, { x: { related: 'b' } }],
    };
    expect(linksIn(body)).toEqual(['a', 'b', 'c']);
  });
});
