import type { Partition, ReplicaFetchRequest, ReplicaFetchResponse } from '@runnel/replication';
import type { ClusterView } from '../cluster-view';
import { PartitionRouter } from '../partition-router';
import type { RemotePartitionOptions } from '../remote-partition';
import type { CallerIdentity } from './auth';
import { InterBrokerClient, type InterBrokerClientLimits } from './inter-broker-client';
import { InterBrokerServer, type InterBrokerLimits } from './inter-broker-server';
import { PartitionStateWatcher, type PartitionStateWatcherOptions } from './partition-state-watcher';
import type { FetchCodec, InterBrokerConfig, InterBrokerLogger, SecretProvider } from './types';

/**
 * The whole inter-broker channel of one broker, wired: listener, client, state watcher and
 * partition router. `start()` listens; `close()` stops in the reverse order (router handles
 * closed, polls ended, listener closed, sockets released). For ClusterService / cluster.module.ts.
 */
export interface InterBrokerChannelDeps {
  config: InterBrokerConfig;
  secret: SecretProvider;
  identity: () => CallerIdentity;
  clusterView: ClusterView;
  localPartition: (topic: string, partition: number) => Partition | undefined;
  handleReplicaFetch?: (request: ReplicaFetchRequest) => Promise<ReplicaFetchResponse>;
  fetchCodec?: FetchCodec;
  log: InterBrokerLogger;
  serverLimits?: Partial<InterBrokerLimits>;
  clientLimits?: Partial<InterBrokerClientLimits>;
  stateWatcher?: Partial<PartitionStateWatcherOptions>;
  remotePartition?: Partial<RemotePartitionOptions>;
}

export class InterBrokerChannel {
  readonly server: InterBrokerServer;
  readonly client: InterBrokerClient;
  readonly watcher: PartitionStateWatcher;
  readonly router: PartitionRouter;

  constructor(deps: InterBrokerChannelDeps) {
    this.server = new InterBrokerServer({
      config: deps.config,
      secret: deps.secret,
      localPartition: deps.localPartition,
      handleReplicaFetch: deps.handleReplicaFetch,
      fetchCodec: deps.fetchCodec,
      log: deps.log,
      limits: deps.serverLimits,
    });
    this.client = new InterBrokerClient({
      config: deps.config,
      identity: deps.identity,
      secret: deps.secret,
      clusterView: deps.clusterView,
      fetchCodec: deps.fetchCodec,
      log: deps.log,
      limits: deps.clientLimits,
    });
    this.watcher = new PartitionStateWatcher(this.client, deps.log, deps.stateWatcher);
    this.router = new PartitionRouter({
      clusterView: deps.clusterView,
      localPartition: deps.localPartition,
      client: this.client,
      watcher: this.watcher,
      remoteOptions: deps.remotePartition,
    });
  }

  start(): Promise<void> {
    return this.server.listen();
  }

  /** ReplicaFetcherManager's `transport`. */
  readonly transport = (leaderId: number, request: ReplicaFetchRequest): Promise<ReplicaFetchResponse> =>
    this.client.replicaFetch(leaderId, request);

  async close(): Promise<void> {
    this.router.close();
    await this.watcher.close();
    await this.server.close();
    this.client.close();
  }
}
