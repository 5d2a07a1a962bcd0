/**
 * HTTP consumer instance settings (BrokerConfig.httpConsumers, RUNNEL_HTTP_CONSUMER_* variables):
 * how many instances may exist, how long an idle one lives, and how much one poll may wait for
 * and return.
 */
export interface HttpConsumerConfig {
  /** Instances on this broker, all groups together (429 / 42901 beyond). */
  maxInstances: number;
  /** Instances in one group (429 / 42901 beyond). */
  maxInstancesPerGroup: number;
  /**
   * An instance that gets no request for this long is deleted: it leaves its group, whose other
   * members take its partitions (Confluent's consumer.instance.timeout.ms). Also its member's
   * session timeout in the group.
   */
  instanceTimeoutMs: number;
  /** Longest a poll may wait for records (`timeout`, `consumer.request.timeout.ms`). */
  maxPollWaitMs: number;
  /** Most record bytes one poll returns (`max_bytes` is capped to it; its default). */
  maxPollBytes: number;
}
