import { describeStorageError, storageErrnoOf, type StorageHealth } from '@runnel/log';
import { MetadataStore, MetadataWriteError } from '@runnel/metadata';
import { PartitionStorageError } from '@runnel/replication';
import { RunnelError } from '../common/errors';

/**
 * Storage failures as clients see them (Kafka's KAFKA_STORAGE_ERROR): 503 / 50003, retriable,
 * with a message naming the storage error (never a path). Undefined for anything else.
 */
export function storageFailure(error: unknown): RunnelError | undefined {
  if (error instanceof PartitionStorageError) return new RunnelError('RETRIABLE', error.message);
  if (error instanceof MetadataWriteError) return new RunnelError('RETRIABLE', `KAFKA_STORAGE_ERROR: ${error.message}; retry later`);
  if (storageErrnoOf(error)) return new RunnelError('RETRIABLE', `KAFKA_STORAGE_ERROR: ${describeStorageError(error)}; retry later`);
  return undefined;
}

/** The metadata store, with its writes' failures and successes reported to `health`. */
export function reportingMetadataWrites(store: MetadataStore, health: StorageHealth): MetadataStore {
  const report =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        const result = await write(...args);
        health.succeeded();
        return result;
      } catch (error) {
        if (error instanceof MetadataWriteError) health.failed(`metadata: ${error.operation}`, error);
        throw error;
      }
    };
  return {
    clusterId: () => store.clusterId(),
    listTopics: (options) => store.listTopics(options),
    countTopics: () => store.countTopics(),
    getTopic: (name) => store.getTopic(name),
    createTopic: report((topic, partitions) => store.createTopic(topic, partitions)),
    deleteTopic: report((name) => store.deleteTopic(name)),
    alterTopicConfigs: report((name, set, remove) => store.alterTopicConfigs(name, set, remove)),
    listPartitions: (topicName) => store.listPartitions(topicName),
    close: () => store.close(),
  };
}
