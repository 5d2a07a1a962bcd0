import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LOG_CONFIG, FileHandleCache, PartitionLog, partitionDirName } from '@runnel/log';
import { BATCH_HEADER_SIZE, batchSize, readBatchHeader } from '@runnel/protocol';

/**
 * The replica byte-identity check after healing: with every broker stopped, each replica's log of
 * a partition is read from its data dir with @runnel/log, and the stored batches below the high
 * watermark must be byte-for-byte the same on every replica (followers append the leader's raw
 * batches untouched, leader epoch included). `compareReplicas` is the pure part.
 */
export interface StoredBatch {
  baseOffset: number;
  /** The offset after its last record. */
  nextOffset: number;
  bytes: Buffer;
}

export interface ReplicaLog {
  broker: number;
  batches: StoredBatch[];
  /** The log end offset on disk. */
  logEndOffset: number;
}

export interface ReplicaDivergence {
  partition: number;
  detail: string;
}

/** Splits raw RecordBatch v2 bytes (a log read) into batches; stops at a torn tail. */
export function splitBatches(bytes: Buffer): StoredBatch[] {
  const batches: StoredBatch[] = [];
  let pos = 0;
  while (pos + BATCH_HEADER_SIZE <= bytes.length) {
    const header = readBatchHeader(bytes, pos);
    const size = batchSize(header);
    if (size < BATCH_HEADER_SIZE || pos + size > bytes.length) break;
    batches.push({
      baseOffset: header.baseOffset,
      nextOffset: header.baseOffset + header.lastOffsetDelta + 1,
      bytes: bytes.subarray(pos, pos + size),
    });
    pos += size;
  }
  return batches;
}

/**
 * Every replica must hold the offsets below `highWatermark`, and the batches that start below it
 * must be identical (same boundaries, same bytes) on every replica.
 */
export function compareReplicas(partition: number, replicas: readonly ReplicaLog[], highWatermark: number): ReplicaDivergence[] {
  const problems: ReplicaDivergence[] = [];
  const below = (log: ReplicaLog): StoredBatch[] => log.batches.filter((b) => b.baseOffset < highWatermark);
  for (const replica of replicas) {
    if (replica.logEndOffset < highWatermark) {
      problems.push({
        partition,
        detail: `broker ${replica.broker} ends at offset ${replica.logEndOffset}, below the high watermark ${highWatermark}`,
      });
    }
  }
  if (replicas.length < 2) return problems;
  const [reference, ...others] = replicas;
  const expected = below(reference);
  for (const other of others) {
    const actual = below(other);
    const count = Math.max(expected.length, actual.length);
    for (let i = 0; i < count; i++) {
      const a = expected[i];
      const b = actual[i];
      if (a === undefined || b === undefined) {
        const present = a ?? b;
        const holder = a ? reference.broker : other.broker;
        const lacking = a ? other.broker : reference.broker;
        problems.push({ partition, detail: `batch at offset ${present.baseOffset} is on broker ${holder} but not on broker ${lacking}` });
        break;
      }
      if (a.baseOffset !== b.baseOffset || a.nextOffset !== b.nextOffset) {
        problems.push({
          partition,
          detail: `batch ${i} differs in its offsets: broker ${reference.broker} [${a.baseOffset}, ${a.nextOffset}), broker ${other.broker} [${b.baseOffset}, ${b.nextOffset})`,
        });
        break;
      }
      if (!a.bytes.equals(b.bytes)) {
        problems.push({
          partition,
          detail: `batch at offset ${a.baseOffset} has different bytes on brokers ${reference.broker} and ${other.broker}`,
        });
        break;
      }
    }
  }
  return problems;
}

/** Reads one replica's log of `topic`-`partition` from a stopped broker's data dir. */
export async function readReplicaLog(
  broker: number,
  dataDir: string,
  topic: string,
  partition: number,
  maxBytes = 512 * 1024 * 1024,
): Promise<ReplicaLog> {
  const dir = path.join(dataDir, partitionDirName(topic, partition));
  if (!fs.existsSync(dir)) return { broker, batches: [], logEndOffset: 0 };
  const handles = new FileHandleCache({ maxOpen: 64 });
  const log = await PartitionLog.open(dir, { ...DEFAULT_LOG_CONFIG }, { handles });
  try {
    const batches: StoredBatch[] = [];
    let offset = log.logStartOffset;
    let total = 0;
    while (offset < log.logEndOffset) {
      const read = await log.read(offset, 4 * 1024 * 1024);
      if (read.bytes.length === 0) break;
      const split = splitBatches(read.bytes);
      for (const batch of split) batches.push({ ...batch, bytes: Buffer.from(batch.bytes) });
      total += read.bytes.length;
      if (total > maxBytes) throw new Error(`${dir} holds more than ${maxBytes} bytes`);
      if (read.nextOffset <= offset) break;
      offset = read.nextOffset;
    }
    return { broker, batches, logEndOffset: log.logEndOffset };
  } finally {
    await log.close();
  }
}
