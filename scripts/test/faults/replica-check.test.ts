import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, FileHandleCache, PartitionLog } from '@runnel/log';
import { encodeRecordBatch } from '@runnel/protocol';
import { compareReplicas, readReplicaLog, splitBatches } from '../../faults/replica-check';

/**
 * The byte-identity check on real logs written with @runnel/log in three "data dirs": a follower
 * that appended the leader's raw batches is identical; a replica with other bytes, other batch
 * boundaries, or too short is reported with the broker and offset.
 */
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-faults-replicas-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const batch = (values: string[]): Buffer =>
  encodeRecordBatch({ records: values.map((v) => ({ timestamp: 1_700_000_000_000, key: null, value: Buffer.from(v), headers: [] })) });

let dirCount = 0;
async function writeLog(dataDir: string, fill: (log: PartitionLog) => void): Promise<void> {
  const log = await PartitionLog.open(path.join(dataDir, 'orders-0'), { ...DEFAULT_LOG_CONFIG }, { handles: new FileHandleCache(16) });
  fill(log);
  await log.flush();
  await log.close();
}
const freshDataDir = (): string => {
  const dir = path.join(root, `broker-${++dirCount}`);
  fs.mkdirSync(dir);
  return dir;
};

it('finds three replicas that appended the same raw batches identical up to the high watermark', async () => {
  const leaderBatches = [batch(['a', 'b']), batch(['c']), batch(['d', 'e', 'f'])];
  const dirs = [freshDataDir(), freshDataDir(), freshDataDir()];
  // The leader stamps offsets and its epoch; followers append exactly the leader's bytes.
  await writeLog(dirs[0], (log) => {
    for (const b of leaderBatches) log.append(b, { leaderEpoch: 3 });
  });
  const leaderLog = await readReplicaLog(1, dirs[0], 'orders', 0);
  expect(leaderLog.batches.map((b) => [b.baseOffset, b.nextOffset])).toEqual([
    [0, 2],
    [2, 3],
    [3, 6],
  ]);
  await writeLog(dirs[1], (log) => log.appendAsFollower(Buffer.concat(leaderLog.batches.map((b) => b.bytes))));
  // The third replica lags: it has the first two batches only, plus nothing else.
  await writeLog(dirs[2], (log) => log.appendAsFollower(Buffer.concat(leaderLog.batches.slice(0, 2).map((b) => b.bytes))));
  const replicas = await Promise.all(dirs.map((dir, i) => readReplicaLog(i + 1, dir, 'orders', 0)));
  expect(compareReplicas(0, replicas.slice(0, 2), 6)).toEqual([]);
  expect(compareReplicas(0, replicas, 3)).toEqual([]);
  const lagging = compareReplicas(0, replicas, 6);
  expect(lagging.map((p) => p.detail)).toEqual([
    'broker 3 ends at offset 3, below the high watermark 6',
    'batch at offset 3 is on broker 1 but not on broker 3',
  ]);
});

it('reports other bytes at the same offsets (a different record, or another leader epoch) with the broker pair', async () => {
  const a = freshDataDir();
  const b = freshDataDir();
  await writeLog(a, (log) => log.append(batch(['x', 'y']), { leaderEpoch: 1 }));
  await writeLog(b, (log) => log.append(batch(['x', 'z']), { leaderEpoch: 1 }));
  const replicas = [await readReplicaLog(1, a, 'orders', 0), await readReplicaLog(2, b, 'orders', 0)];
  expect(compareReplicas(0, replicas, 2)).toEqual([{ partition: 0, detail: 'batch at offset 0 has different bytes on brokers 1 and 2' }]);
  // Beyond the high watermark nothing is compared.
  expect(compareReplicas(0, replicas, 0)).toEqual([]);
});

it('reports other batch boundaries', async () => {
  const a = freshDataDir();
  const b = freshDataDir();
  await writeLog(a, (log) => log.append(batch(['x', 'y'])));
  await writeLog(b, (log) => {
    log.append(batch(['x']));
    log.append(batch(['y']));
  });
  const replicas = [await readReplicaLog(1, a, 'orders', 0), await readReplicaLog(2, b, 'orders', 0)];
  expect(compareReplicas(0, replicas, 2)[0].detail).toBe('batch 0 differs in its offsets: broker 1 [0, 2), broker 2 [0, 1)');
});

it('a replica without the partition directory is an empty log', async () => {
  const empty = await readReplicaLog(4, freshDataDir(), 'orders', 0);
  expect(empty).toEqual({ broker: 4, batches: [], logEndOffset: 0 });
});

it('splitBatches stops at a torn tail', () => {
  const whole = batch(['a']);
  expect(splitBatches(Buffer.concat([whole, whole.subarray(0, 20)]))).toHaveLength(1);
});
