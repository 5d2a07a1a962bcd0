/**
 * @runnel/groups — consumer groups: the GroupCoordinator (membership, server-side assignment,
 * committed offsets), the assignors, and the `__consumer_offsets` record format. Plain
 * TypeScript: no Nest, no sockets, no files, no timers.
 */
export * from './types';
export {
  CooperativeStickyAssignor,
  DEFAULT_ASSIGNOR,
  RangeAssignor,
  RoundRobinAssignor,
  compareTopicPartitions,
  defaultAssignors,
} from './assignors';
export {
  RECORD_VERSION,
  decodeOffsetsRecord,
  encodeGroupValue,
  encodeOffsetValue,
  groupKey,
  groupRecord,
  offsetKey,
  offsetRecord,
  type DecodedOffsetsRecord,
  type GroupMetadata,
  type MemberMetadata,
  type OffsetValue,
} from './records';
export { GroupCoordinator, type GroupChangeKind, type GroupCoordinatorOptions, type GroupCoordinatorStats } from './group-coordinator';
export { MAX_OFFSETS_PER_REQUEST, MAX_OFFSET_METADATA_LENGTH, MAX_TOPIC_PATTERN_LENGTH, compileTopicPattern } from './validation';
