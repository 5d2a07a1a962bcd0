/**
 * `npm run bench:cluster`: Runnel's cluster mode on this machine — real broker processes on
 * 127.0.0.1-3 and a real (embedded) PostgreSQL, all on loopback, stopped by pid. Medians over runs.
 *
 * 1. Replication cost: produce throughput and latency of acks=all with replication factor 3
 *    (min.insync.replicas 2) against replication factor 1, on the same three-broker cluster.
 *    PRODUCERS connections each send binary record batches of BATCH records of RECORD_BYTES to
 *    the partitions' leaders in turn, one request in flight per connection, for SECONDS.
 * 2. Failover: kill -9 the leader of a replicated partition while a producer keeps sending
 *    through another broker; the time from the kill to the first acknowledged write after it.
 *    The killed broker is restarted and back in the ISR before the next run.
 * 3. One broker vs three: the same load (replication factor 1, PARTITIONS partitions) on a
 *    one-broker cluster and on a three-broker cluster — how far more processes use more cores.
 *
 *   RUNNEL_BENCH_RUNS            runs per case (default 3)
 *   RUNNEL_BENCH_SECONDS         seconds per throughput run (default 5)
 *   RUNNEL_BENCH_PRODUCERS       concurrent producer connections (default 8)
 *   RUNNEL_BENCH_BATCH           records per request (default 100)
 *   RUNNEL_BENCH_RECORD_BYTES    value size (default 100)
 *   RUNNEL_BENCH_PARTITIONS      partitions of the throughput topics (default 12)
 *   RUNNEL_BENCH_FAILOVERS       leader kills measured (default 5)
 */
import { performance } from 'node:perf_hooks';
import { encodeRecordBatch } from '@runnel/protocol';
import { envInt, fmt, machine, median, table } from './harness';
import { TestCluster, eventually, startCluster } from '../apps/broker/test/support/cluster-process';

const RUNS = envInt('RUNNEL_BENCH_RUNS', 3);
const SECONDS = envInt('RUNNEL_BENCH_SECONDS', 5);
const PRODUCERS = envInt('RUNNEL_BENCH_PRODUCERS', 8);
const BATCH = envInt('RUNNEL_BENCH_BATCH', 100);
const RECORD_BYTES = envInt('RUNNEL_BENCH_RECORD_BYTES', 100);
const PARTITIONS = envInt('RUNNEL_BENCH_PARTITIONS', 12);
const FAILOVERS = envInt('RUNNEL_BENCH_FAILOVERS', 5);

interface PartitionLeader {
  partition: number;
  leader: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the bench reads answers field by field
async function call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function createTopic(cluster: TestCluster, name: string, replicationFactor: number): Promise<void> {
  const base = `${cluster.brokers[0].baseUrl}/v3/clusters/-`;
  const answer = await call('POST', `${base}/topics`, {
    topic_name: name,
    partitions_count: PARTITIONS,
    replication_factor: replicationFactor,
    configs: replicationFactor > 1 ? [{ name: 'min.insync.replicas', value: '2' }] : [],
  });
  if (answer.status !== 201) throw new Error(`creating ${name}: ${answer.status} ${JSON.stringify(answer.body)}`);
  await leaders(cluster, name, replicationFactor);
}

/** Each partition's leader, once every partition has one and a full ISR. */
async function leaders(cluster: TestCluster, topic: string, replicationFactor: number): Promise<PartitionLeader[]> {
  return eventually(
    `leaders of ${topic}`,
    async () => {
      const out: PartitionLeader[] = [];
      const base = `${cluster.brokers[0].baseUrl}/v3/clusters/-/topics/${topic}/partitions`;
      for (let p = 0; p < PARTITIONS; p++) {
        const replicas = await call('GET', `${base}/${p}/replicas`);
        if (replicas.status !== 200) return undefined;
        const leader = replicas.body.data.find((r: { is_leader: boolean }) => r.is_leader);
        const inSync = replicas.body.data.filter((r: { is_in_sync: boolean }) => r.is_in_sync).length;
        if (!leader || inSync < replicationFactor) return undefined;
        out.push({ partition: p, leader: leader.broker_id });
      }
      return out;
    },
    60_000,
  );
}

function batchBytes(): Buffer {
  const value = Buffer.alloc(RECORD_BYTES, 'x');
  return encodeRecordBatch({ records: Array.from({ length: BATCH }, () => ({ timestamp: Date.now(), key: null, value, headers: [] })) });
}

/** PRODUCERS loops for SECONDS, each sending one batch at a time to the partitions' leaders in turn. */
async function produceLoad(
  cluster: TestCluster,
  topic: string,
  owners: PartitionLeader[],
): Promise<{ recordsPerSec: number; p50: number; p99: number }> {
  const body = batchBytes();
  const latencies: number[] = [];
  let records = 0;
  let retries = 0;
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async (_, worker) => {
      let i = worker;
      while (performance.now() < end) {
        const { partition, leader } = owners[i++ % owners.length];
        const url = `${cluster.broker(leader).baseUrl}/v3/clusters/-/topics/${topic}/partitions/${partition}/batches?acks=all`;
        const started = performance.now();
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/vnd.kafka.record-batch' }, body });
        const answer = await response.text();
        if (response.status !== 200) {
          // A retriable refusal (50003: a leader being elected or catching up) is retried, not counted.
          if (/"error_code":50003/.test(answer) && ++retries <= 1000) continue;
          throw new Error(`produce to ${topic}-${partition}: ${response.status} ${answer}`);
        }
        latencies.push(performance.now() - started);
        records += BATCH;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    recordsPerSec: records / SECONDS,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))],
  };
}

async function replicationCost(): Promise<(string | number)[][]> {
  const cluster = await startCluster(3);
  try {
    const rows: (string | number)[][] = [];
    for (const rf of [1, 3]) {
      const topic = `bench-rf${rf}`;
      await createTopic(cluster, topic, rf);
      const owners = await leaders(cluster, topic, rf);
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await produceLoad(cluster, topic, owners));
      rows.push([
        `RF=${rf}${rf > 1 ? ', min.insync 2' : ''}, acks=all`,
        fmt(median(runs.map((x) => x.recordsPerSec))),
        fmt(median(runs.map((x) => x.p50)), 1),
        fmt(median(runs.map((x) => x.p99)), 1),
      ]);
    }
    return rows;
  } finally {
    await cluster.stop();
  }
}

async function failover(): Promise<number[]> {
  const cluster = await startCluster(3);
  const times: number[] = [];
  try {
    const topic = 'bench-failover';
    const base = (id: number) => `${cluster.broker(id).baseUrl}/v3/clusters/-/topics/${topic}`;
    const created = await call('POST', `${cluster.brokers[0].baseUrl}/v3/clusters/-/topics`, {
      topic_name: topic,
      partitions_count: 1,
      replication_factor: 3,
      configs: [{ name: 'min.insync.replicas', value: '2' }],
    });
    if (created.status !== 201) throw new Error(`creating ${topic}: ${created.status}`);
    for (let run = 0; run < FAILOVERS; run++) {
      const [{ leader }] = await eventually(
        'a full ISR',
        async () => {
          const replicas = await call('GET', `${base(1 + (run % 3))}/partitions/0/replicas`);
          const inSync = replicas.body?.data?.filter((r: { is_in_sync: boolean }) => r.is_in_sync).length ?? 0;
          const lead = replicas.body?.data?.find((r: { is_leader: boolean }) => r.is_leader);
          return inSync === 3 && lead ? [{ partition: 0, leader: lead.broker_id as number }] : undefined;
        },
        60_000,
      );
      const via = [1, 2, 3].find((id) => id !== leader)!;
      const killedAt = performance.now();
      await cluster.broker(leader).stop('SIGKILL');
      for (;;) {
        const answer = await call('POST', `${base(via)}/records`, {
          partition_id: 0,
          value: { type: 'STRING', data: `after-kill-${run}` },
        }).catch(() => ({ status: 0, body: undefined }));
        if (answer.status === 200 && answer.body?.error_code === 200) break;
        if (performance.now() - killedAt > 60_000) throw new Error('no write accepted within 60 s of the leader kill');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      times.push(performance.now() - killedAt);
      await cluster.restart(leader);
    }
    return times;
  } finally {
    await cluster.stop();
  }
}

async function scaleOut(): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const size of [1, 3]) {
    const cluster = await startCluster(size);
    try {
      const topic = 'bench-scale';
      await createTopic(cluster, topic, 1);
      const owners = await leaders(cluster, topic, 1);
      const runs = [];
      for (let r = 0; r < RUNS; r++) runs.push(await produceLoad(cluster, topic, owners));
      rows.push([
        `${size} broker${size > 1 ? 's' : ''}, RF=1, ${PARTITIONS} partitions`,
        fmt(median(runs.map((x) => x.recordsPerSec))),
        fmt(median(runs.map((x) => x.p99)), 1),
      ]);
    } finally {
      await cluster.stop();
    }
  }
  return rows;
}

/** RUNNEL_BENCH_CLUSTER_CASES=replication,failover,scale (default all) picks the cases. */
const CASES = new Set((process.env.RUNNEL_BENCH_CLUSTER_CASES ?? 'replication,failover,scale').split(','));

async function main(): Promise<void> {
  console.log(`# bench:cluster — ${machine()}`);
  console.log(`${PRODUCERS} producers, ${BATCH} records of ${RECORD_BYTES} B per request, ${SECONDS} s per run, medians of ${RUNS} runs\n`);
  if (CASES.has('replication')) {
    console.log('## Replication cost (three brokers)\n');
    console.log(table(['case', 'records/s', 'p50 ms', 'p99 ms'], await replicationCost()));
  }
  if (CASES.has('failover')) {
    const times = (await failover()).sort((a, b) => a - b);
    console.log(`\n## Failover (leader kill -9 → first acknowledged write through another broker), ${times.length} kills\n`);
    console.log(
      table(
        ['p50 ms', 'p99 ms', 'max ms'],
        [[fmt(median(times)), fmt(times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]), fmt(times[times.length - 1])]],
      ),
    );
  }
  if (CASES.has('scale')) {
    console.log('\n## One broker vs three on this machine\n');
    console.log(table(['case', 'records/s', 'p99 ms'], await scaleOut()));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
