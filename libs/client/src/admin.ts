import { HttpSettings, normalizeBaseUrl, readJson, request, RetryPolicy, topicUrl, withRetries } from './http';

/**
 * Topic administration over the public HTTP API (API.md "Topics"): create, list, describe and
 * delete topics, read and alter their configs, read partition state, delete records. Reads are
 * retried on retriable errors (as the producer's metadata lookups are); mutations are sent once,
 * so a retried create can never answer "already exists" for the caller's own first attempt.
 * Failures reject with RunnelClientError carrying API.md's error_code (e.g. 40002, 40403, 42201).
 */

export interface AdminOptions {
  baseUrl: string;
  /** Default '-': the cluster the broker belongs to. */
  clusterId?: string;
  /** Extra HTTP headers on every request (e.g. Authorization). */
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  /** Retries of a read after a retriable error (default 3). */
  retries?: number;
}

export interface NewTopic {
  /** Default: the broker's RUNNEL_DEFAULT_PARTITIONS. */
  partitions?: number;
  replicationFactor?: number;
  /** Topic configs by Kafka name, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

export interface TopicDescription {
  topic_name: string;
  topic_id: string;
  partitions_count: number;
  replication_factor: number;
  is_internal: boolean;
}

export interface TopicConfig {
  name: string;
  value: string;
  is_default: boolean;
  is_read_only: boolean;
  is_sensitive: boolean;
  source: string;
}

export interface PartitionDescription {
  partition_id: number;
  leader: number;
  replicas: number[];
  isr: number[];
  earliest_offset: number;
  high_watermark: number;
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export class Admin {
  private readonly http: HttpSettings;
  private readonly retry: RetryPolicy;

  constructor(options: AdminOptions) {
    this.http = {
      baseUrl: normalizeBaseUrl(options.baseUrl),
      clusterId: options.clusterId ?? '-',
      headers: options.headers ?? {},
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    };
    this.retry = { retries: options.retries ?? 3, retryBackoffMs: 100, retryBackoffMaxMs: 1_000 };
  }

  /** Creates a topic; one that exists already rejects with 40002. */
  async createTopic(name: string, topic: NewTopic = {}): Promise<TopicDescription> {
    const body = {
      topic_name: name,
      partitions_count: topic.partitions,
      replication_factor: topic.replicationFactor,
      configs: topic.configs && Object.entries(topic.configs).map(([configName, value]) => ({ name: configName, value })),
    };
    const response = await request(this.http, this.topicsUrl(), { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(body) });
    return pickTopic(await readJson<TopicDescription>(response));
  }

  async deleteTopic(name: string): Promise<void> {
    await request(this.http, topicUrl(this.http, name), { method: 'DELETE' });
  }

  /** Every topic (following the broker's pages); internal topics only when asked. */
  async listTopics(options: { includeInternal?: boolean } = {}): Promise<TopicDescription[]> {
    const topics: TopicDescription[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ limit: '1000' });
      query.set('include_internal', options.includeInternal ? 'true' : 'false');
      if (pageToken) query.set('page_token', pageToken);
      const page = await this.getJson<{ metadata: { next: string | null }; data: TopicDescription[] }>(`${this.topicsUrl()}?${query}`);
      topics.push(...page.data.map(pickTopic));
      pageToken = page.metadata.next ? (new URL(page.metadata.next).searchParams.get('page_token') ?? undefined) : undefined;
    } while (pageToken);
    return topics;
  }

  describeTopic(name: string): Promise<TopicDescription> {
    return this.getJson<TopicDescription>(topicUrl(this.http, name)).then(pickTopic);
  }

  /** Every config of the topic, defaults included (`is_default`). */
  async describeConfigs(name: string): Promise<TopicConfig[]> {
    const list = await this.getJson<{ data: TopicConfig[] }>(`${topicUrl(this.http, name)}/configs`);
    return list.data.map(({ name: configName, value, is_default, is_read_only, is_sensitive, source }) => ({
      name: configName,
      value,
      is_default,
      is_read_only,
      is_sensitive,
      source,
    }));
  }

  /** Sets configs by name; a `null` value removes the topic's own value (back to the default). */
  async alterConfigs(name: string, configs: Record<string, string | null>): Promise<void> {
    const data = Object.entries(configs).map(([configName, value]) =>
      value === null ? { name: configName, operation: 'DELETE' } : { name: configName, value, operation: 'SET' },
    );
    await request(this.http, `${topicUrl(this.http, name)}/configs:alter`, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ data }),
    });
  }

  /** Each partition with its leader, replicas and in-sync replicas (the v3 partition links them: one replicas read per partition). */
  async partitions(name: string): Promise<PartitionDescription[]> {
    type V3Partition = { partition_id: number; leader: { related: string }; earliest_offset: number; high_watermark: number };
    type V3Replica = { broker_id: number; is_in_sync: boolean };
    const list = await this.getJson<{ data: V3Partition[] }>(`${topicUrl(this.http, name)}/partitions`);
    const described: PartitionDescription[] = [];
    for (const { partition_id, leader, earliest_offset, high_watermark } of list.data) {
      const replicas = await this.getJson<{ data: V3Replica[] }>(`${topicUrl(this.http, name)}/partitions/${partition_id}/replicas`);
      described.push({
        partition_id,
        leader: Number(leader.related.slice(leader.related.lastIndexOf('/') + 1)),
        replicas: replicas.data.map((r) => r.broker_id),
        isr: replicas.data.filter((r) => r.is_in_sync).map((r) => r.broker_id),
        earliest_offset,
        high_watermark,
      });
    }
    return described;
  }

  /** Kafka's DeleteRecords: moves the partition's log start to `beforeOffset`; answers the new low watermark. */
  async deleteRecords(name: string, partition: number, beforeOffset: number): Promise<number> {
    const url = `${topicUrl(this.http, name)}/partitions/${partition}/records:delete`;
    const response = await request(this.http, url, {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ before_offset: beforeOffset }),
    });
    return (await readJson<{ low_watermark: number }>(response)).low_watermark;
  }

  private topicsUrl(): string {
    return `${this.http.baseUrl}/v3/clusters/${encodeURIComponent(this.http.clusterId)}/topics`;
  }

  private getJson<T>(url: string): Promise<T> {
    return withRetries(this.retry, async () => readJson<T>(await request(this.http, url, { method: 'GET' })));
  }
}

function pickTopic(body: TopicDescription): TopicDescription {
  const { topic_name, topic_id, partitions_count, replication_factor, is_internal } = body;
  return { topic_name, topic_id, partitions_count, replication_factor, is_internal };
}
