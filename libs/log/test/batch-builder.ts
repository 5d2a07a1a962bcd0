import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  BATCH_HEADER_SIZE,
  computeBatchCrc,
  LOG_OVERHEAD,
  MAGIC_V2,
  OFFSET_ATTRIBUTES,
  OFFSET_BASE_SEQUENCE,
  OFFSET_BASE_TIMESTAMP,
  OFFSET_BATCH_LENGTH,
  OFFSET_CRC,
  OFFSET_LAST_OFFSET_DELTA,
  OFFSET_MAGIC,
  OFFSET_MAX_TIMESTAMP,
  OFFSET_PARTITION_LEADER_EPOCH,
  OFFSET_PRODUCER_EPOCH,
  OFFSET_PRODUCER_ID,
  OFFSET_RECORD_COUNT,
  writeInt64FromNumber,
} from '@runnel/protocol';

/**
 * Test helper: builds valid RecordBatch v2 bytes (uncompressed, no keys, no headers) with the
 * protocol's header constants and a minimal record encoding, so the log's tests do not depend on
 * the full codec. Record i has timestamp `timestampMs + i * timestampStepMs` and a value of
 * `valueBytes` bytes derived from `seed` and i (so reads can be checked byte for byte).
 *
 *   record := length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *             keyLength varint (-1) | valueLength varint | value | headerCount varint (0)
 */
export interface BatchSpec {
  records?: number;
  valueBytes?: number;
  timestampMs?: number;
  timestampStepMs?: number;
  seed?: number;
  /** Only sets the attribute bits (records stay plain): for tests of compressed-batch fallbacks. */
  compression?: number;
}

function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

export function buildBatch(spec: BatchSpec = {}): Buffer {
  const records = spec.records ?? 1;
  const valueBytes = spec.valueBytes ?? 16;
  const timestampMs = spec.timestampMs ?? 1_700_000_000_000;
  const step = spec.timestampStepMs ?? 1;
  const seed = spec.seed ?? 0;
  const bodies: Buffer[] = [];
  for (let i = 0; i < records; i++) {
    const head: number[] = [0];
    varint(zigzag(i * step), head);
    varint(zigzag(i), head);
    varint(zigzag(-1), head);
    varint(zigzag(valueBytes), head);
    const value = Buffer.alloc(valueBytes, (seed * 31 + i * 7) & 0xff);
    if (valueBytes >= 4) value.writeUInt32BE((seed * 1000 + i) >>> 0, 0);
    const body = Buffer.concat([Buffer.from(head), value, Buffer.from([0])]);
    const length: number[] = [];
    varint(zigzag(body.length), length);
    bodies.push(Buffer.from(length), body);
  }
  const recordBytes = Buffer.concat(bodies);
  const buf = Buffer.alloc(BATCH_HEADER_SIZE + recordBytes.length);
  writeInt64FromNumber(buf, 0, 0);
  buf.writeInt32BE(buf.length - LOG_OVERHEAD, OFFSET_BATCH_LENGTH);
  buf.writeInt32BE(-1, OFFSET_PARTITION_LEADER_EPOCH);
  buf.writeInt8(MAGIC_V2, OFFSET_MAGIC);
  buf.writeInt16BE(spec.compression ?? 0, OFFSET_ATTRIBUTES);
  buf.writeInt32BE(records - 1, OFFSET_LAST_OFFSET_DELTA);
  writeInt64FromNumber(buf, OFFSET_BASE_TIMESTAMP, timestampMs);
  writeInt64FromNumber(buf, OFFSET_MAX_TIMESTAMP, timestampMs + (records - 1) * step);
  buf.writeBigInt64BE(-1n, OFFSET_PRODUCER_ID);
  buf.writeInt16BE(-1, OFFSET_PRODUCER_EPOCH);
  buf.writeInt32BE(-1, OFFSET_BASE_SEQUENCE);
  buf.writeInt32BE(records, OFFSET_RECORD_COUNT);
  recordBytes.copy(buf, BATCH_HEADER_SIZE);
  buf.writeUInt32BE(computeBatchCrc(buf, 0, buf.length), OFFSET_CRC);
  return buf;
}

export function buildBatches(specs: BatchSpec[]): Buffer {
  return Buffer.concat(specs.map(buildBatch));
}

/** A fresh directory under the OS temp dir; `removeTmpDirs` deletes all of them. */
const created: string[] = [];
export function makeTmpDir(prefix = 'runnel-log-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export function removeTmpDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Open descriptors of this process (Linux). */
export function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** A deterministic PRNG (mulberry32) so a failing random test can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const randomInt = (next: () => number, min: number, max: number): number => min + Math.floor(next() * (max - min + 1));

/** A manual clock for roll and retention tests. */
export class ManualClock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
}
