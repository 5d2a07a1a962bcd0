import type { ReplicaFetchRequest, ReplicaFetchResponse } from '@runnel/replication';

/** Where the inter-broker listener binds and connects from (BrokerConfig's `host` and `cluster.interBrokerPort`). */
export interface InterBrokerConfig {
  host: string;
  cluster: { interBrokerPort: number } | undefined;
}

/** The cluster's inter-broker secret (ClusterStore.interBrokerSecret, cached by the caller). Never logged. */
export type SecretProvider = () => string | Promise<string>;

export interface InterBrokerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** libs/replication/src/fetch-codec.ts (`import * as fetchCodec from '@runnel/replication'` satisfies it); injected, so tests may stand in. */
export interface FetchCodec {
  encodeFetchRequest(request: ReplicaFetchRequest): Buffer;
  decodeFetchRequest(bytes: Buffer): ReplicaFetchRequest;
  encodeFetchResponse(response: ReplicaFetchResponse): Buffer;
  /** The response as chunks (header, then each partition's records as they are): sent without a copy when present. */
  encodeFetchResponseChunks?(response: ReplicaFetchResponse): Buffer[];
  decodeFetchResponse(bytes: Buffer): ReplicaFetchResponse;
}

/** The route names under POST /internal/v1/. */
export type InterBrokerRoute =
  'replica-fetch' | 'produce' | 'read' | 'wait-for-data' | 'offset-for-timestamp' | 'delete-records' | 'partition-states' | 'http-forward';

export const ROUTE_PREFIX = '/internal/v1/';

/** What a leader publishes of a partition it leads (the synchronous getters of a RemotePartition). */
export interface PartitionStateSnapshot {
  leaderEpoch: number;
  highWatermark: number;
  logStartOffset: number;
  logEndOffset: number;
  sizeBytes: number;
}

export interface PartitionStatesRequest {
  /**
   * The partitions asked about, each with the state the caller holds (absent: none yet), or
   * `notLed` when the last answer said this broker does not lead it (not news again).
   */
  partitions: { topic: string; partition: number; known?: PartitionStateSnapshot; notLed?: boolean }[];
  /** Long poll: answer when any of them changed, else after at most this. */
  maxWaitMs: number;
}

export interface PartitionStatesResponse {
  partitions: { topic: string; partition: number; state?: PartitionStateSnapshot; error?: string }[];
}
