import { compress as zstdCompress, decompress as zstdDecompress } from '@mongodb-js/zstd';
import { compressFrameSync as lz4CompressFrame, decompressFrameSync as lz4DecompressFrame } from 'lz4-napi';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { constants as bufferConstants } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ProtocolError } from './errors';
import { CompressionCodec } from './record-batch-header';
import { type DecompressedBound, lz4DecompressedBound, zstdDecompressedBound } from './compression-bounds';

/**
 * The codecs of a RecordBatch's records section (attributes bits 0-2), in the formats Kafka's
 * clients write, each decoded under a cap on the decompressed size:
 *
 *   gzip    RFC 1952 members (java.util.zip.GZIPOutputStream). Cap: zlib's maxOutputLength, exact.
 *   snappy  snappy-java's "xerial" stream, which the Java client writes:
 *             magic 82 53 4E 41 50 50 59 00 ("\x82SNAPPY\0"), int32 version = 1,
 *             int32 compatible version = 1, then blocks of int32 length + raw snappy block;
 *           or one raw snappy block (librdkafka, sarama, kafkajs-snappy write this).
 *           Cap: the sum of each raw block's declared length (its leading uvarint), exact.
 *           Encoded here as xerial with 32 KiB blocks, snappy-java's default.
 *   lz4     one LZ4 frame (magic 04 22 4D 18) with independent blocks, the only kind Kafka's
 *           Java client reads. Cap: a bound from the frame's block headers, then the output size.
 *   zstd    standard zstd frames. Cap: a bound from the frames' block headers, then the output size.
 *
 * For lz4 and zstd the bound is walked from the frames' block headers before anything is
 * decompressed (compression-bounds.ts: at most one block of slack), and the produced size is
 * checked against the cap afterwards. Every codec but zstd is synchronous (the native libraries
 * offer it, and a few hundred KiB cost less inline than handed to a thread); zstd's binding is
 * async only.
 *
 * Errors: a section that does not decompress -> CORRUPT_COMPRESSED; over the cap -> TOO_LARGE;
 * codec 5-7 -> UNSUPPORTED_COMPRESSION; zstd through the sync API -> UNSUPPORTED_COMPRESSION.
 */

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_BLOCK_BYTES = 32 * 1024;

export function isSyncCodec(codec: CompressionCodec): boolean {
  return codec !== CompressionCodec.Zstd;
}

function unknownCodec(codec: number): ProtocolError {
  return new ProtocolError('UNSUPPORTED_COMPRESSION', `compression codec ${codec} is unknown`);
}

/** Compresses a records section. Zstd needs `compress`; asking for it here is a caller bug. */
export function compressSync(codec: CompressionCodec, data: Buffer): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      return data;
    case CompressionCodec.Gzip:
      return gzipSync(data);
    case CompressionCodec.Snappy:
      return encodeXerialSnappy(data);
    case CompressionCodec.Lz4:
      return lz4CompressFrame(data);
    case CompressionCodec.Zstd:
      throw new Error('zstd has no synchronous encoder: use the async variant');
    default:
      throw unknownCodec(codec);
  }
}

export async function compress(codec: CompressionCodec, data: Buffer): Promise<Buffer> {
  return codec === CompressionCodec.Zstd ? zstdCompress(data) : compressSync(codec, data);
}

/** Decompresses a records section of at most `maxBytes` decompressed bytes. Zstd needs `decompress`. */
export function decompressSync(codec: CompressionCodec, data: Buffer, maxBytes: number): Buffer {
  switch (codec) {
    case CompressionCodec.None:
      return capped(data, maxBytes);
    case CompressionCodec.Gzip:
      return gunzipCapped(data, maxBytes);
    case CompressionCodec.Snappy:
      return decodeSnappy(data, maxBytes);
    case CompressionCodec.Lz4: {
      const declared = lz4DecompressedBound(data, maxBytes);
      return capped(
        nativeDecode('lz4', () => lz4DecompressFrame(data), declared),
        maxBytes,
      );
    }
    case CompressionCodec.Zstd:
      throw new ProtocolError('UNSUPPORTED_COMPRESSION', 'zstd has no synchronous decoder: use the async variant');
    default:
      throw unknownCodec(codec);
  }
}

export async function decompress(codec: CompressionCodec, data: Buffer, maxBytes: number): Promise<Buffer> {
  if (codec !== CompressionCodec.Zstd) return decompressSync(codec, data, maxBytes);
  const declared = zstdDecompressedBound(data, maxBytes);
  let out: Buffer;
  try {
    out = await zstdDecompress(data);
  } catch (error) {
    throw corrupt('zstd', error);
  }
  return capped(checkDeclared('zstd', out, declared), maxBytes);
}

function capped(data: Buffer, maxBytes: number): Buffer {
  if (data.length > maxBytes) {
    throw new ProtocolError('TOO_LARGE', `records section of ${data.length} bytes exceeds the limit of ${maxBytes}`);
  }
  return data;
}

function corrupt(codec: string, error: unknown): ProtocolError {
  const reason = error instanceof Error ? error.message : String(error);
  return new ProtocolError('CORRUPT_COMPRESSED', `${codec} section does not decompress: ${reason}`);
}

function nativeDecode(codec: string, run: () => Buffer, declared: DecompressedBound): Buffer {
  let out: Buffer;
  try {
    out = run();
  } catch (error) {
    throw corrupt(codec, error);
  }
  return checkDeclared(codec, out, declared);
}

function checkDeclared(codec: string, out: Buffer, declared: DecompressedBound): Buffer {
  if (out.length > declared.maxBytes || (declared.exactBytes !== null && out.length !== declared.exactBytes)) {
    throw new ProtocolError('CORRUPT_COMPRESSED', `${codec} section decompressed to ${out.length} bytes, not what its frames declare`);
  }
  return out;
}

// --- gzip ---------------------------------------------------------------------------------------

function gunzipCapped(data: Buffer, maxBytes: number): Buffer {
  // maxOutputLength must be >= 1; a cap of 0 still rejects any non-empty output below.
  const maxOutputLength = Math.max(1, Math.min(maxBytes, bufferConstants.MAX_LENGTH));
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProtocolError('TOO_LARGE', `gzip section decompresses past the limit of ${maxBytes} bytes`);
    }
    throw corrupt('gzip', error);
  }
  return capped(out, maxBytes);
}

// --- snappy -------------------------------------------------------------------------------------

function encodeXerialSnappy(data: Buffer): Buffer {
  const chunks: Buffer[] = [];
  const header = Buffer.allocUnsafe(XERIAL_HEADER_SIZE);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(XERIAL_VERSION, 8);
  header.writeInt32BE(XERIAL_VERSION, 12);
  chunks.push(header);
  let total = XERIAL_HEADER_SIZE;
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappyCompress(data.subarray(pos, Math.min(pos + XERIAL_BLOCK_BYTES, data.length)));
    const length = Buffer.allocUnsafe(4);
    length.writeInt32BE(block.length, 0);
    chunks.push(length, block);
    total += 4 + block.length;
  }
  return Buffer.concat(chunks, total);
}

export function isXerialSnappy(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_SIZE && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function decodeSnappy(data: Buffer, maxBytes: number): Buffer {
  if (!isXerialSnappy(data)) {
    const size = rawSnappyLength(data);
    if (size > maxBytes) {
      throw new ProtocolError('TOO_LARGE', `snappy block declares ${size} bytes, over the limit of ${maxBytes}`);
    }
    return snappyBlock(data, size);
  }
  // Walk the block lengths first, so the cap is enforced before anything is decompressed.
  const blocks: Buffer[] = [];
  let total = 0;
  for (let pos = XERIAL_HEADER_SIZE; pos < data.length;) {
    if (data.length - pos < 4) throw new ProtocolError('CORRUPT_COMPRESSED', 'xerial snappy block length is truncated');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > data.length - pos) {
      throw new ProtocolError('CORRUPT_COMPRESSED', `xerial snappy block of ${length} bytes does not fit the section`);
    }
    const block = data.subarray(pos, pos + length);
    total += rawSnappyLength(block);
    if (total > maxBytes) {
      throw new ProtocolError('TOO_LARGE', `snappy blocks declare more than the limit of ${maxBytes} bytes`);
    }
    blocks.push(block);
    pos += length;
  }
  const out = Buffer.allocUnsafe(total);
  let written = 0;
  for (const block of blocks) {
    const part = snappyBlock(block, rawSnappyLength(block));
    part.copy(out, written);
    written += part.length;
  }
  return out;
}

/** The uncompressed length a raw snappy block declares (a uvarint of at most 32 bits). */
function rawSnappyLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    if (i >= block.length) throw new ProtocolError('CORRUPT_COMPRESSED', 'snappy block length is truncated');
    const byte = block[i];
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return value;
  }
  throw new ProtocolError('CORRUPT_COMPRESSED', 'snappy block length is longer than 5 bytes');
}

function snappyBlock(block: Buffer, size: number): Buffer {
  return nativeDecode('snappy', () => snappyUncompress(block, { asBuffer: true }) as Buffer, {
    maxBytes: size,
    exactBytes: size,
  });
}
