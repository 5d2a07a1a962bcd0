import { ProtocolError } from './errors';

/**
 * Upper bounds on what an LZ4 frame or a run of zstd frames decompresses to, walked from their
 * headers without decompressing anything: the decompression-bomb check for codecs whose native
 * bindings offer no output cap. Each walker also validates the framing it crosses, so a section
 * that would send the native decoder past its input is refused here as CORRUPT_COMPRESSED.
 *
 * A compressed block's header says how many bytes it holds, not how many it regenerates, so the
 * bound counts each compressed block as a full one. Encoders fill every block but the last, so
 * the bound of an honest section exceeds its true size by less than one block; a section is
 * therefore refused (TOO_LARGE) once its bound passes `maxBytes` plus one block, and the caller
 * checks the true size against `maxBytes` after decompressing. Memory spent on a hostile section
 * is thus at most `maxBytes` plus one block (LZ4: 64 KiB to 4 MiB; zstd: 128 KiB). A declared
 * content size over `maxBytes` is refused at once.
 */

export interface DecompressedBound {
  /** No conforming decoder produces more than this. */
  maxBytes: number;
  /** The exact size the frames declare, when they all declare one. */
  exactBytes: number | null;
}

function corrupt(message: string): ProtocolError {
  return new ProtocolError('CORRUPT_COMPRESSED', message);
}

function tooLarge(codec: string, maxBytes: number): ProtocolError {
  return new ProtocolError('TOO_LARGE', `${codec} section may decompress past the limit of ${maxBytes} bytes`);
}

function need(data: Buffer, pos: number, n: number, what: string): void {
  if (data.length - pos < n) throw corrupt(`${what} is truncated`);
}

function readUInt64LE(data: Buffer, pos: number): number {
  return data.readUInt32LE(pos + 4) * 0x1_0000_0000 + data.readUInt32LE(pos);
}

const SKIPPABLE_MAGIC_MASK = 0xffff_fff0;
const SKIPPABLE_MAGIC = 0x184d_2a50;

// Grammar (lz4_Frame_format.md v1.6):
//   frame      := magic(04 22 4D 18) FLG BD [contentSize u64le] [dictId u32le] HC block* endMark [checksum u32le]
//   FLG        := version(2 bits = 01) blockIndependence blockChecksum contentSize contentChecksum reserved dictId
//   BD         := 0 blockMaxSize(3 bits: 4 = 64 KiB .. 7 = 4 MiB) 0000
//   block      := size(u32le, high bit = stored uncompressed, size <= blockMaxSize) data{size} [checksum u32le]
//   endMark    := 00 00 00 00
// A Kafka records section holds exactly one frame: trailing bytes are refused.
const LZ4_MAGIC = 0x184d_2204;
// An LZ4 block regenerates at most ~255 bytes per input byte (a match-length extension byte adds
// up to 255), so a run of tiny blocks cannot claim a full block size each.
const LZ4_MAX_EXPANSION = 255;
const LZ4_EXPANSION_SLACK = 64;

export function lz4DecompressedBound(data: Buffer, maxBytes: number): DecompressedBound {
  need(data, 0, 7, 'lz4 frame header');
  if (data.readUInt32LE(0) !== LZ4_MAGIC) throw corrupt('lz4 section does not start with a frame magic');
  const flg = data[4];
  const bd = data[5];
  if (flg >> 6 !== 1) throw corrupt(`lz4 frame version ${flg >> 6} is not 1`);
  if (flg & 0x02 || bd & 0x8f) throw corrupt('lz4 frame has reserved bits set');
  const blockMaxSize = 1 << (2 * ((bd >> 4) & 0x07) + 8);
  if (blockMaxSize < 64 * 1024) throw corrupt(`lz4 block size id ${(bd >> 4) & 0x07} is not 4-7`);
  const hasBlockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const hasContentChecksum = (flg & 0x04) !== 0;
  const hasDictId = (flg & 0x01) !== 0;
  let pos = 6;
  let contentSize: number | null = null;
  if (hasContentSize) {
    need(data, pos, 8, 'lz4 content size');
    contentSize = readUInt64LE(data, pos);
    if (contentSize > maxBytes) throw tooLarge('lz4', maxBytes);
    pos += 8;
  }
  if (hasDictId) pos += 4;
  need(data, pos, 1, 'lz4 frame header');
  pos += 1; // HC, checked by the decoder
  let bound = 0;
  for (;;) {
    need(data, pos, 4, 'lz4 block size');
    const word = data.readUInt32LE(pos);
    pos += 4;
    if (word === 0) break;
    const size = word & 0x7fff_ffff;
    const stored = word !== size;
    if (size > blockMaxSize) throw corrupt(`lz4 block of ${size} bytes exceeds the frame's ${blockMaxSize}`);
    need(data, pos, size + (hasBlockChecksum ? 4 : 0), 'lz4 block');
    pos += size + (hasBlockChecksum ? 4 : 0);
    bound += stored ? size : Math.min(blockMaxSize, LZ4_MAX_EXPANSION * size + LZ4_EXPANSION_SLACK);
    if (bound > maxBytes + blockMaxSize) throw tooLarge('lz4', maxBytes);
  }
  if (hasContentChecksum) {
    need(data, pos, 4, 'lz4 content checksum');
    pos += 4;
  }
  if (pos !== data.length) throw corrupt(`${data.length - pos} bytes follow the lz4 frame`);
  return { maxBytes: bound, exactBytes: contentSize };
}

// Grammar (RFC 8878):
//   section    := (frame | skippable)+
//   skippable  := magic(u32le 0x184D2A50..5F) size(u32le) data{size}
//   frame      := magic(28 B5 2F FD) FHD [windowDescriptor] [dictId 0/1/2/4] [contentSize 0/1/2/4/8] block+ [checksum u32le]
//   FHD        := fcsFlag(2) singleSegment(1) unused(1) reserved(1 = 0) checksumFlag(1) dictIdFlag(2)
//   block      := header(u24le: last(1) type(2) size(21)) content
//                 type 0 raw: size bytes, regenerates size; 1 RLE: 1 byte, regenerates size;
//                 2 compressed: size bytes, regenerates <= 128 KiB; 3 reserved
const ZSTD_MAGIC = 0xfd2f_b528;
const ZSTD_BLOCK_MAX = 128 * 1024;

export function zstdDecompressedBound(data: Buffer, maxBytes: number): DecompressedBound {
  if (data.length === 0) throw corrupt('zstd section is empty');
  let bound = 0;
  let exact: number | null = 0;
  let pos = 0;
  while (pos < data.length) {
    need(data, pos, 4, 'zstd frame magic');
    const magic = data.readUInt32LE(pos);
    pos += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(data, pos, 4, 'zstd skippable frame');
      const size = data.readUInt32LE(pos);
      need(data, pos + 4, size, 'zstd skippable frame');
      pos += 4 + size;
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt('zstd section does not start with a frame magic');
    need(data, pos, 1, 'zstd frame header');
    const fhd = data[pos++];
    if (fhd & 0x08) throw corrupt('zstd frame header has its reserved bit set');
    const fcsFlag = fhd >> 6;
    const singleSegment = (fhd & 0x20) !== 0;
    const hasChecksum = (fhd & 0x04) !== 0;
    const dictIdSize = [0, 1, 2, 4][fhd & 0x03];
    const fcsSize = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag];
    const headerRest = (singleSegment ? 0 : 1) + dictIdSize + fcsSize;
    need(data, pos, headerRest, 'zstd frame header');
    pos += headerRest - fcsSize;
    let contentSize: number | null = null;
    if (fcsSize === 1) contentSize = data[pos];
    else if (fcsSize === 2) contentSize = data.readUInt16LE(pos) + 256;
    else if (fcsSize === 4) contentSize = data.readUInt32LE(pos);
    else if (fcsSize === 8) contentSize = readUInt64LE(data, pos);
    pos += fcsSize;
    if (contentSize !== null && contentSize > maxBytes) throw tooLarge('zstd', maxBytes);
    exact = contentSize === null || exact === null ? null : exact + contentSize;
    let frameBound = 0;
    for (let last = false; !last;) {
      need(data, pos, 3, 'zstd block header');
      const header = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16);
      pos += 3;
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw corrupt('zstd block type 3 is reserved');
      if (size > ZSTD_BLOCK_MAX) throw corrupt(`zstd block of ${size} bytes exceeds 128 KiB`);
      const contentBytes = type === 1 ? 1 : size;
      need(data, pos, contentBytes, 'zstd block');
      pos += contentBytes;
      frameBound += type === 2 ? ZSTD_BLOCK_MAX : size;
      if (bound + Math.min(frameBound, contentSize ?? Infinity) > maxBytes + ZSTD_BLOCK_MAX) {
        throw tooLarge('zstd', maxBytes);
      }
    }
    if (hasChecksum) {
      need(data, pos, 4, 'zstd frame checksum');
      pos += 4;
    }
    bound += Math.min(frameBound, contentSize ?? Infinity);
  }
  return { maxBytes: bound, exactBytes: exact };
}
