import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLEAN_SHUTDOWN_FILE, DEFAULT_LOG_CONFIG, LogManager } from '@runnel/log';
import { buildBatch, makeTmpDir, openFdCount, removeTmpDirs } from './batch-builder';

afterAll(removeTmpDirs);

const PARTITIONS = 10_000;
const TOPICS = 100;
const MAX_OPEN_FILES = 256;
/** Descriptors outside the cache: checkpoint temp files, jest's own, libuv. */
const SLACK = 16;

const topicPartition = (i: number): [string, number] => [`topic-${i % TOPICS}`, Math.floor(i / TOPICS)];

it('runs 10,000 partitions on a bounded number of descriptors, through a clean shutdown', async () => {
  const dataDir = makeTmpDir();
  const baseline = openFdCount();
  let peak = 0;
  const sample = (): void => {
    peak = Math.max(peak, openFdCount() - baseline);
  };
  const sampler = setInterval(sample, 5);
  try {
    const manager = await LogManager.open(dataDir, { defaultConfig: DEFAULT_LOG_CONFIG, maxOpenFiles: MAX_OPEN_FILES });
    const batches: Buffer[] = [];
    for (let chunk = 0; chunk < PARTITIONS; chunk += 50) {
      // A broker creates partitions concurrently (topic creation, leadership changes).
      const created = Array.from({ length: 50 }, (_, k) => chunk + k).map(async (i) => {
        const log = await manager.getOrCreate(...topicPartition(i));
        batches[i] = buildBatch({ records: 2, valueBytes: 20, seed: i });
        log.append(batches[i]);
      });
      await Promise.all(created);
    }
    expect(manager.size).toBe(PARTITIONS);
    for (let i = 0; i < PARTITIONS; i++) {
      const { bytes, nextOffset } = await manager.get(...topicPartition(i))!.read(0, 1 << 20);
      if (nextOffset !== 2 || !bytes.equals(batches[i])) throw new Error(`partition ${i} read back something else`);
    }
    expect(manager.handles.openCount).toBeLessThanOrEqual(MAX_OPEN_FILES);
    await manager.close(); // 10,000 flushes whose fsyncs pin handles while in flight
    expect(fs.existsSync(path.join(dataDir, CLEAN_SHUTDOWN_FILE))).toBe(true);
  } finally {
    clearInterval(sampler);
  }
  sample();
  expect(peak).toBeLessThanOrEqual(MAX_OPEN_FILES + SLACK);
  expect(openFdCount()).toBeLessThanOrEqual(baseline + SLACK);
});
