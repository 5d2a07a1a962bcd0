import { RunnelError } from '../../src/common/errors';
import { topicLayout } from '../../src/topics/topic-requests';

/** The create-topic request rules, as a user of Confluent's CreateTopicRequestData meets them (400/40002 is Kafka's invalid request). */
describe('topicLayout', () => {
  const node = { brokerIds: [0], defaultPartitions: 4, defaultReplicationFactor: 1 };
  const codeOf = (request: Record<string, unknown>): number | undefined => {
    try {
      topicLayout(request, node);
      return undefined;
    } catch (error) {
      return (error as RunnelError).errorCode;
    }
  };

  it("takes the broker's defaults when the counts are absent, null or -1 (Confluent's defaults)", () => {
    expect(topicLayout({}, node)).toEqual({ partitionsCount: 4, replicationFactor: 1 });
    expect(topicLayout({ partitions_count: -1, replication_factor: -1 }, node)).toEqual({ partitionsCount: 4, replicationFactor: 1 });
    expect(topicLayout({ partitions_count: null, replication_factor: null }, node)).toEqual({ partitionsCount: 4, replicationFactor: 1 });
    expect(topicLayout({ partitions_count: 7, replication_factor: 1 }, node)).toEqual({ partitionsCount: 7, replicationFactor: 1 });
  });

  it('counts the partitions of replicas_assignments; an empty one is no assignment', () => {
    expect(topicLayout({ replicas_assignments: { '1': [0], '0': [0] } }, node)).toEqual({
      partitionsCount: 2,
      replicationFactor: 1,
      assignments: [[0], [0]],
    });
    expect(topicLayout({ replicas_assignments: { '0': [0] }, partitions_count: 1 }, node)).toEqual({
      partitionsCount: 1,
      replicationFactor: 1,
      assignments: [[0]],
    });
    expect(topicLayout({ replicas_assignments: {}, partitions_count: 3 }, node)).toEqual({ partitionsCount: 3, replicationFactor: 1 });
    expect(
      topicLayout({ replicas_assignments: { '0': [5] } }, { brokerIds: [5], defaultPartitions: 1, defaultReplicationFactor: 1 }),
    ).toEqual({
      partitionsCount: 1,
      replicationFactor: 1,
      assignments: [[5]],
    });
  });

  it('refuses what one node cannot hold with 40002, and malformed fields with 40001', () => {
    const cases: [Record<string, unknown>, number][] = [
      [{ replication_factor: 2 }, 40002],
      [{ partitions_count: 0 }, 40002],
      [{ partitions_count: -2 }, 40002],
      [{ partitions_count: 2 ** 31 }, 40002],
      [{ partitions_count: 1.5 }, 40001],
      [{ partitions_count: '3' }, 40001],
      [{ replicas_assignments: { '0': [1] } }, 40002],
      [{ replicas_assignments: { '0': [0, 0] } }, 40002],
      [{ replicas_assignments: { '0': [0], '2': [0] } }, 40002],
      [{ replicas_assignments: { '01': [0] } }, 40002],
      [{ replicas_assignments: { x: [0] } }, 40002],
      [{ replicas_assignments: { '0': [0] }, partitions_count: 2 }, 40002],
      [{ replicas_assignments: { '0': [] } }, 40001],
      [{ replicas_assignments: { '0': ['0'] } }, 40001],
      [{ replicas_assignments: [[0]] }, 40001],
      [{ replicas_assignments: 'all' }, 40001],
    ];
    for (const [request, code] of cases) expect({ request, code: codeOf(request) }).toEqual({ request, code });
  });

  it('in a cluster, allows a replication factor up to the live brokers and replicas on live brokers only', () => {
    const cluster = { brokerIds: [1, 2, 3], defaultPartitions: 1, defaultReplicationFactor: 3 };
    expect(topicLayout({}, cluster)).toEqual({ partitionsCount: 1, replicationFactor: 3 });
    expect(() => topicLayout({ replication_factor: 4 }, cluster)).toThrow('Replication factor: 4 larger than available brokers: 3.');
    expect(topicLayout({ replicas_assignments: { '0': [3, 1], '1': [1, 2] } }, cluster)).toEqual({
      partitionsCount: 2,
      replicationFactor: 2,
      assignments: [
        [3, 1],
        [1, 2],
      ],
    });
    const codeOf = (request: Record<string, unknown>) => {
      try {
        topicLayout(request, cluster);
        return undefined;
      } catch (error) {
        return (error as RunnelError).errorCode;
      }
    };
    expect(codeOf({ replicas_assignments: { '0': [1, 4] } })).toBe(40002);
    expect(codeOf({ replicas_assignments: { '0': [1, 2], '1': [1] } })).toBe(40002);
  });
});
