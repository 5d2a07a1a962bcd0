import type { StorageHealth } from '@runnel/log';
import { MetadataStore, MetadataWriteError } from '@runnel/metadata';

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
    addPartitions: report((name, partitions) => store.addPartitions(name, partitions)),
    listPartitions: (topicName) => store.listPartitions(topicName),
    dynamicBrokerConfigs: (scope) => store.dynamicBrokerConfigs(scope),
    alterDynamicBrokerConfigs: report((scope, set, remove) => store.alterDynamicBrokerConfigs(scope, set, remove)),
    listUsers: () => store.listUsers(),
    getUser: (name) => store.getUser(name),
    createUser: report((name, credentials) => store.createUser(name, credentials)),
    setCredentials: report((name, credentials) => store.setCredentials(name, credentials)),
    deleteUser: report((name) => store.deleteUser(name)),
    createApiKey: report((key) => store.createApiKey(key)),
    getApiKey: (keyId) => store.getApiKey(keyId),
    listApiKeys: (userName) => store.listApiKeys(userName),
    deleteApiKey: report((keyId) => store.deleteApiKey(keyId)),
    listAcls: () => store.listAcls(),
    createAcls: report((bindings) => store.createAcls(bindings)),
    deleteAcls: report((ids) => store.deleteAcls(ids)),
    listQuotas: () => store.listQuotas(),
    alterQuotas: report((entity, set, remove) => store.alterQuotas(entity, set, remove)),
    appendAudit: report((events) => store.appendAudit(events)),
    listAudit: (query) => store.listAudit(query),
    trimAudit: report((before) => store.trimAudit(before)),
    close: () => store.close(),
  };
}
