import fc from 'fast-check';
import { compressSync as rawSnappy } from 'snappy';
import { compressFrameSync as lz4Frame } from 'lz4-napi';
import { compress as zstdCompress } from '@mongodb-js/zstd';
import { gzipSync } from 'node:zlib';
import { CompressionCodec, ProtocolError, compress, compressSync, decompress, decompressSync, isXerialSnappy } from '@runnel/protocol';
import { expectSameBytes, hex, protocolErrorCode, protocolErrorCodeAsync } from './helpers';

const SYNC_CODECS = [CompressionCodec.None, CompressionCodec.Gzip, CompressionCodec.Snappy, CompressionCodec.Lz4];
const ALL_CODECS = [...SYNC_CODECS, CompressionCodec.Zstd];
const MiB = 1024 * 1024;

function sample(bytes: number): Buffer {
  // Compressible but not trivial: repeated words with a counter.
  const parts: string[] = [];
  for (let i = 0, length = 0; length < bytes; i++) {
    const part = `record-${i % 97} value=${i} `;
    parts.push(part);
    length += part.length;
  }
  return Buffer.from(parts.join('').slice(0, bytes));
}

describe('compression', () => {
  it.each(ALL_CODECS)('round-trips empty, small and multi-block data with codec %s', async (codec) => {
    for (const data of [Buffer.alloc(0), Buffer.from('x'), sample(300 * 1024)]) {
      const packed = await compress(codec, data);
      // The cap is inclusive and exact: the true size passes, one byte less does not.
      expectSameBytes(await decompress(codec, packed, data.length), data);
      if (data.length > 0) {
        expect(await protocolErrorCodeAsync(() => decompress(codec, packed, data.length - 1))).toBe('TOO_LARGE');
      }
      if (codec !== CompressionCodec.Zstd) expectSameBytes(decompressSync(codec, compressSync(codec, data), data.length), data);
    }
  });

  it('writes snappy as snappy-java’s xerial stream, in 32 KiB blocks, as Kafka’s Java client does', () => {
    const packed = compressSync(CompressionCodec.Snappy, sample(100 * 1024));
    expect(packed.subarray(0, 16)).toEqual(hex('82 534e41505059 00 00000001 00000001'));
    expect(isXerialSnappy(packed)).toBe(true);
    // Four blocks of at most 32 KiB each: walk the int32 block lengths.
    let blocks = 0;
    for (let pos = 16; pos < packed.length; pos += 4 + packed.readInt32BE(pos)) blocks++;
    expect(blocks).toBe(4);
  });

  it('reads both xerial-framed snappy and a raw snappy block (what librdkafka and sarama write)', () => {
    const a = sample(40_000);
    const b = Buffer.from('second block');
    const blockA = rawSnappy(a);
    const blockB = rawSnappy(b);
    const xerial = Buffer.concat([
      Buffer.from('\x82SNAPPY\0', 'latin1'),
      hex('00000001 00000001'),
      hex(blockA.length.toString(16).padStart(8, '0')),
      blockA,
      hex(blockB.length.toString(16).padStart(8, '0')),
      blockB,
    ]);
    expectSameBytes(decompressSync(CompressionCodec.Snappy, xerial, MiB), Buffer.concat([a, b]));
    expectSameBytes(decompressSync(CompressionCodec.Snappy, rawSnappy(a), MiB), a);
  });

  it('writes LZ4 frames that Kafka’s Java client reads: version 1, independent blocks, 64 KiB-4 MiB blocks', () => {
    for (const size of [10, 200_000, 3 * MiB]) {
      const frame = compressSync(CompressionCodec.Lz4, sample(size));
      expect(frame.readUInt32LE(0)).toBe(0x184d2204);
      const flg = frame[4];
      const bd = frame[5];
      expect(flg >> 6).toBe(1); // version
      expect(flg & 0x20).toBe(0x20); // block independence (Java refuses dependent blocks)
      expect(flg & 0x03).toBe(0); // reserved and dictionary id unset
      expect((bd >> 4) & 7).toBeGreaterThanOrEqual(4);
      expect(bd & 0x8f).toBe(0);
    }
  });

  describe('decompression bombs are refused before the output is built', () => {
    const bomb = Buffer.alloc(16 * MiB); // zeros: compresses ~1000:1

    it('gzip: zlib stops at maxOutputLength', () => {
      expect(protocolErrorCode(() => decompressSync(CompressionCodec.Gzip, gzipSync(bomb), MiB))).toBe('TOO_LARGE');
    });

    it('snappy: the blocks’ declared lengths exceed the cap', () => {
      expect(protocolErrorCode(() => decompressSync(CompressionCodec.Snappy, rawSnappy(bomb), MiB))).toBe('TOO_LARGE');
      const xerial = compressSync(CompressionCodec.Snappy, bomb);
      expect(protocolErrorCode(() => decompressSync(CompressionCodec.Snappy, xerial, MiB))).toBe('TOO_LARGE');
      // A raw block that merely claims 4 GiB, with no data behind the claim.
      expect(protocolErrorCode(() => decompressSync(CompressionCodec.Snappy, hex('ffffffff0f00'), MiB))).toBe('TOO_LARGE');
    });

    it('lz4: the frame’s blocks could produce more than the cap', () => {
      expect(protocolErrorCode(() => decompressSync(CompressionCodec.Lz4, lz4Frame(bomb), MiB))).toBe('TOO_LARGE');
    });

    it('zstd: the frames’ blocks could produce more than the cap', async () => {
      const packed = await zstdCompress(bomb);
      expect(await protocolErrorCodeAsync(() => decompress(CompressionCodec.Zstd, packed, MiB))).toBe('TOO_LARGE');
      // 200 RLE blocks of 128 KiB: 25 MiB from 623 bytes.
      const rle = Buffer.alloc(3 + 1);
      rle.writeUIntLE(((128 * 1024) << 3) | (1 << 1), 0, 3);
      const frame = Buffer.concat([hex('28b52ffd 00 58'), ...Array<Buffer>(200).fill(rle), hex('090000')]);
      expect(await protocolErrorCodeAsync(() => decompress(CompressionCodec.Zstd, frame, MiB))).toBe('TOO_LARGE');
    });

    it('zstd: a declared content size over the cap is refused at once', async () => {
      // Single-segment frame, 8-byte content size of 2^40, no blocks needed to refuse it.
      const frame = hex('28b52ffd e0 0000000000010000 010000');
      expect(await protocolErrorCodeAsync(() => decompress(CompressionCodec.Zstd, frame, MiB))).toBe('TOO_LARGE');
    });
  });

  it('reads zstd frames that declare their content size, and refuses one that lies about it', async () => {
    // Single segment, 1-byte content size 5, one raw last block of 5 bytes.
    const honest = hex('28b52ffd 20 05 290000 68656c6c6f');
    expect((await decompress(CompressionCodec.Zstd, honest, 100)).toString()).toBe('hello');
    const lying = hex('28b52ffd 20 04 290000 68656c6c6f');
    expect(await protocolErrorCodeAsync(() => decompress(CompressionCodec.Zstd, lying, 100))).toBe('CORRUPT_COMPRESSED');
  });

  it('refuses unknown codecs, and zstd on the synchronous path', () => {
    expect(protocolErrorCode(() => decompressSync(5 as CompressionCodec, Buffer.alloc(1), 10))).toBe('UNSUPPORTED_COMPRESSION');
    expect(protocolErrorCode(() => decompressSync(CompressionCodec.Zstd, Buffer.alloc(1), 10))).toBe('UNSUPPORTED_COMPRESSION');
    expect(() => compressSync(CompressionCodec.Zstd, Buffer.alloc(1))).toThrow(/async/);
  });

  it('turns any corrupt or truncated section into CORRUPT_COMPRESSED or TOO_LARGE, never another error', async () => {
    const valid = new Map<CompressionCodec, Buffer>();
    for (const codec of ALL_CODECS.slice(1)) valid.set(codec, await compress(codec, sample(5000)));
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ALL_CODECS.slice(1)),
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'random' as const, bytes })),
          fc.record({ kind: fc.constant('mutate' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
        ),
        async (codec, damage) => {
          let data: Buffer;
          if (damage.kind === 'random') data = Buffer.from(damage.bytes);
          else {
            data = Buffer.from(valid.get(codec)!);
            const at = damage.at % data.length;
            if (damage.kind === 'mutate') data[at] ^= damage.xor;
            else data = data.subarray(0, at);
          }
          try {
            const out = await decompress(codec, data, 10_000);
            expect(out.length).toBeLessThanOrEqual(10_000);
          } catch (error) {
            expect(error).toBeInstanceOf(ProtocolError);
            expect(['CORRUPT_COMPRESSED', 'TOO_LARGE']).toContain((error as ProtocolError).code);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
