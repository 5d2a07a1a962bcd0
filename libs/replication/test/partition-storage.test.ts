import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, LogConfig, LogManager, errnoError, injectIoFaults } from '@runnel/log';
import { decodeRecordBatchesSync, encodeRecordBatch } from '@runnel/protocol';
import { PartitionStorageError, ReplicaManager } from '@runnel/replication';

const batch = (values: string[]): Buffer =>
  encodeRecordBatch({ records: values.map((v, i) => ({ timestamp: 1000 + i, key: null, value: Buffer.from(v), headers: [] })) });

/**
 * Issue #8 item 10 at the storage layer: a full disk (ENOSPC injected at the file I/O seam, the
 * only way to fill a disk without root) answers a retriable storage error, marks storage
 * unhealthy, loses nothing acknowledged, and heals with the next successful write.
 */
describe('Partition on a failing disk (real logs, injected ENOSPC)', () => {
  let dir: string;
  let logs: LogManager;
  let replicas: ReplicaManager;
  let failing: 'write' | 'sync' | undefined;
  /** Writes let through before `failing` = 'write' strikes (so a roll can fail half way). */
  let writesBeforeFailure = 0;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runnel-enospc-'));
    logs = await LogManager.open(dir, { maxOpenFiles: 64 });
    replicas = new ReplicaManager(logs);
    failing = undefined;
    writesBeforeFailure = 0;
    injectIoFaults((operation) => {
      if (operation !== failing) return;
      if (operation === 'write' && writesBeforeFailure-- > 0) return;
      throw errnoError('ENOSPC', operation, 'no space left on device');
    });
  });
  afterEach(async () => {
    injectIoFaults(undefined);
    await replicas.shutdown();
    await logs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const valuesOf = async (partition: Awaited<ReturnType<ReplicaManager['becomeLeader']>>): Promise<string[]> => {
    const values: string[] = [];
    let offset = partition.logStartOffset as number;
    while (offset < partition.highWatermark) {
      const read = await partition.read(offset as never, 1 << 20);
      for (const b of decodeRecordBatchesSync(read.bytes, { maxDecompressedBytes: 1 << 20 })) {
        for (const r of b.records) if (r.offset >= offset) values.push(r.value!.toString());
      }
      offset = read.nextOffset;
    }
    return values;
  };

  it('a failed write answers KAFKA_STORAGE_ERROR, changes nothing, and the next write heals', async () => {
    const partition = await replicas.becomeLeader('t', 0, 0, { ...DEFAULT_LOG_CONFIG, flushMs: 0 });
    await partition.append(batch(['a', 'b']), -1);
    failing = 'write';
    const refused = partition.append(batch(['lost']), -1);
    await expect(refused).rejects.toBeInstanceOf(PartitionStorageError);
    await expect(refused).rejects.toThrow(
      'KAFKA_STORAGE_ERROR: the log of t-0 cannot be written (ENOSPC: no space left on device); retry later',
    );
    expect(logs.health.healthy).toBe(false);
    expect(logs.health.fault).toMatchObject({ operation: 'append to t-0', code: 'ENOSPC', message: 'ENOSPC: no space left on device' });
    expect(logs.health.errorsTotal).toBe(1);

    failing = undefined;
    expect(await partition.append(batch(['c']), -1)).toMatchObject({ baseOffset: 2 });
    expect(logs.health.healthy).toBe(true);
    expect(await valuesOf(partition)).toEqual(['a', 'b', 'c']);
  });

  it('a failed fsync fails acks=all, and once the disk is back the unacknowledged tail is dropped and writes go on', async () => {
    const partition = await replicas.becomeLeader('t', 0, 0, { ...DEFAULT_LOG_CONFIG, flushMs: 0 });
    await partition.append(batch(['a']), -1);
    failing = 'sync';
    await expect(partition.append(batch(['unsure']), -1)).rejects.toThrow(/KAFKA_STORAGE_ERROR.*ENOSPC/);
    expect(logs.health.healthy).toBe(false);
    // Still failing: refused again, nothing acknowledged.
    await expect(partition.append(batch(['unsure too']), -1)).rejects.toThrow(/KAFKA_STORAGE_ERROR.*ENOSPC/);

    failing = undefined;
    expect(await partition.append(batch(['b']), -1)).toMatchObject({ baseOffset: 1 });
    expect(logs.health.healthy).toBe(true);
    expect(partition.highWatermark).toBe(2);
    expect(await valuesOf(partition)).toEqual(['a', 'b']);
  });

  it('a roll that fails half way (one index file written, not the other) is finished by the next append', async () => {
    const config: LogConfig = { ...DEFAULT_LOG_CONFIG, flushMs: 0, segmentBytes: 200, indexIntervalBytes: 1 };
    const partition = await replicas.becomeLeader('t', 0, 0, config);
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const value = `v${i}-${'x'.repeat(30)}`;
      // A roll writes the .index, then the .timeindex, then the batch: fail the 1st, 2nd or 3rd.
      failing = i % 4 === 0 ? undefined : 'write';
      writesBeforeFailure = (i % 4) - 1;
      try {
        await partition.append(batch([value]), -1);
        expected.push(value);
      } catch (error) {
        expect(error).toBeInstanceOf(PartitionStorageError);
      }
    }
    failing = undefined;
    await partition.append(batch(['last']), -1);
    expected.push('last');
    expect(partition.segmentCount).toBeGreaterThan(5);
    expect(await valuesOf(partition)).toEqual(expected);
  });
});
