/**
 * The topic configs the console offers when creating a topic, with Kafka's documented defaults
 * (kafka.apache.org/documentation/#topicconfigs) and the broker config each one defaults to. The
 * broker's own effective default is read from its configs when the user may see them; the broker
 * validates every value (validate_only previews it) — the checks here only catch typos early.
 */
export type ConfigKind = 'long' | 'int' | 'ratio' | 'bool' | 'enum';

export interface TopicConfigDoc {
  name: string;
  brokerName: string;
  kafkaDefault: string;
  kind: ConfigKind;
  options?: string[];
  /** The smallest value Kafka accepts (for long / int). */
  min?: number;
  doc: string;
}

export const TOPIC_CONFIG_DOCS: TopicConfigDoc[] = [
  {
    name: 'cleanup.policy',
    brokerName: 'log.cleanup.policy',
    kafkaDefault: 'delete',
    kind: 'enum',
    options: ['delete', 'compact', 'delete,compact'],
    doc: 'delete old segments by time or size, or keep the latest record of each key (compact), or both',
  },
  {
    name: 'retention.ms',
    brokerName: 'log.retention.ms',
    kafkaDefault: '604800000',
    kind: 'long',
    min: -1,
    doc: 'how long records are kept, in ms (-1: forever; default 7 days)',
  },
  {
    name: 'retention.bytes',
    brokerName: 'log.retention.bytes',
    kafkaDefault: '-1',
    kind: 'long',
    min: -1,
    doc: 'the most bytes a partition keeps before old segments are deleted (-1: no limit)',
  },
  {
    name: 'segment.bytes',
    brokerName: 'log.segment.bytes',
    kafkaDefault: '1073741824',
    kind: 'int',
    min: 14,
    doc: 'the size of one log segment file',
  },
  {
    name: 'segment.ms',
    brokerName: 'log.roll.ms',
    kafkaDefault: '604800000',
    kind: 'long',
    min: 1,
    doc: 'roll a new segment after this long, in ms',
  },
  {
    name: 'max.message.bytes',
    brokerName: 'message.max.bytes',
    kafkaDefault: '1048588',
    kind: 'int',
    min: 0,
    doc: 'the largest record batch the topic accepts',
  },
  {
    name: 'min.insync.replicas',
    brokerName: 'min.insync.replicas',
    kafkaDefault: '1',
    kind: 'int',
    min: 1,
    doc: 'replicas that must acknowledge a write with acks=all',
  },
  {
    name: 'message.timestamp.type',
    brokerName: 'log.message.timestamp.type',
    kafkaDefault: 'CreateTime',
    kind: 'enum',
    options: ['CreateTime', 'LogAppendTime'],
    doc: "the producer's timestamp (CreateTime) or the broker's append time (LogAppendTime)",
  },
  {
    name: 'compression.type',
    brokerName: 'compression.type',
    kafkaDefault: 'producer',
    kind: 'enum',
    options: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'],
    doc: "keep the producer's compression, or recompress with this codec",
  },
  {
    name: 'flush.messages',
    brokerName: 'log.flush.interval.messages',
    kafkaDefault: '9223372036854775807',
    kind: 'long',
    min: 1,
    doc: 'fsync after this many records',
  },
  {
    name: 'flush.ms',
    brokerName: 'log.flush.interval.ms',
    kafkaDefault: '9223372036854775807',
    kind: 'long',
    min: 0,
    doc: 'fsync after this long, in ms',
  },
  {
    name: 'delete.retention.ms',
    brokerName: 'log.cleaner.delete.retention.ms',
    kafkaDefault: '86400000',
    kind: 'long',
    min: 0,
    doc: 'how long tombstones are kept on a compacted topic, in ms',
  },
  {
    name: 'min.cleanable.dirty.ratio',
    brokerName: 'log.cleaner.min.cleanable.ratio',
    kafkaDefault: '0.5',
    kind: 'ratio',
    doc: 'the share of uncompacted log that triggers compaction (0 to 1)',
  },
  {
    name: 'unclean.leader.election.enable',
    brokerName: 'unclean.leader.election.enable',
    kafkaDefault: 'false',
    kind: 'bool',
    options: ['false', 'true'],
    doc: 'let an out-of-sync replica become leader (may lose records)',
  },
];

export function configDoc(name: string): TopicConfigDoc | undefined {
  return TOPIC_CONFIG_DOCS.find((d) => d.name === name);
}

/** What is wrong with a value, or null; unknown names are left to the broker. */
export function configProblem(name: string, value: string): string | null {
  const doc = configDoc(name);
  const text = value.trim();
  if (!doc) return text === '' ? 'enter a value' : null;
  if (text === '') return 'enter a value';
  switch (doc.kind) {
    case 'long':
    case 'int': {
      if (!/^-?\d+$/.test(text)) return 'must be a whole number';
      const n = Number(text);
      if (doc.min !== undefined && n < doc.min) return `must be at least ${doc.min}`;
      if (doc.kind === 'int' && n > 2147483647) return 'must be at most 2147483647';
      return null;
    }
    case 'ratio': {
      const n = Number(text);
      return Number.isFinite(n) && n >= 0 && n <= 1 ? null : 'must be a number from 0 to 1';
    }
    default:
      return doc.options && !doc.options.includes(text) && !(name === 'cleanup.policy' && text === 'compact,delete')
        ? `must be one of ${doc.options.join(', ')}`
        : null;
  }
}
