/** One row of `GET /v3/clusters/-/broker-summaries` (the broker's ClusterView). */
export interface BrokerSummary {
  broker_id: number;
  host: string | null;
  port: number | null;
  rack: string | null;
  advertised_url: string | null;
  state: 'RUNNING' | 'CONTROLLED_SHUTDOWN' | 'STOPPED';
  alive: boolean;
  epoch: number;
  is_controller: boolean;
  is_local: boolean;
  leader_count: number;
  replica_count: number;
}

export interface BrokerSummaryList {
  mode: 'single' | 'cluster';
  controller_id: number | null;
  partitions: number;
  under_replicated_partitions: number;
  offline_partitions: number;
  data: BrokerSummary[];
}
