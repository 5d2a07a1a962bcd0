import { writeInt64FromNumber } from './record-batch-header';

/**
 * A big-endian encoder that appends to a list of chunks, the mirror of `Reader`.
 *
 * Fields are written into the current chunk, a slab of `chunkBytes` (or more, for a field that
 * does not fit); when it fills up it is sealed and a new slab begins, so nothing is copied on
 * growth. `appendBuffer` adds a caller's buffer as a chunk of its own without copying it, for
 * bodies that are only being passed through. A caller that knows the exact size up front (see
 * the `sizeOf*` functions) gets one slab and `finish()` returns it without a copy.
 *
 * Length prefixes are written last: `reserveInt32()` leaves a 4-byte hole in the current chunk
 * and `patchInt32(slot, value)` fills it once the body is written and measured.
 *
 * Varints follow Kafka's ByteUtils (see reader.ts for the grammar). Values outside a field's
 * range are caller bugs and throw RangeError: encoders validate untrusted content (and raise
 * ProtocolError) before it gets here.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private slab: Buffer;
  private slabStart = 0;
  private pos = 0;
  private sealedBytes = 0;

  constructor(private readonly chunkBytes = 16 * 1024) {
    this.slab = Buffer.allocUnsafe(chunkBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.sealedBytes + (this.pos - this.slabStart);
  }

  /** Makes room for `n` contiguous bytes in the current slab. */
  private ensure(n: number): void {
    if (this.slab.length - this.pos >= n) return;
    this.seal();
    this.slab = Buffer.allocUnsafe(Math.max(n, this.chunkBytes));
    this.slabStart = 0;
    this.pos = 0;
  }

  private seal(): void {
    if (this.pos > this.slabStart) {
      this.chunks.push(this.slab.subarray(this.slabStart, this.pos));
      this.sealedBytes += this.pos - this.slabStart;
    }
    this.slabStart = this.pos;
  }

  writeInt8(value: number): this {
    this.ensure(1);
    this.slab.writeInt8(value, this.pos++);
    return this;
  }

  writeUInt8(value: number): this {
    this.ensure(1);
    this.slab.writeUInt8(value, this.pos++);
    return this;
  }

  writeInt16(value: number): this {
    this.ensure(2);
    this.pos = this.slab.writeInt16BE(value, this.pos);
    return this;
  }

  writeUInt16(value: number): this {
    this.ensure(2);
    this.pos = this.slab.writeUInt16BE(value, this.pos);
    return this;
  }

  writeInt32(value: number): this {
    this.ensure(4);
    this.pos = this.slab.writeInt32BE(value, this.pos);
    return this;
  }

  writeUInt32(value: number): this {
    this.ensure(4);
    this.pos = this.slab.writeUInt32BE(value, this.pos);
    return this;
  }

  writeInt64(value: bigint): this {
    this.ensure(8);
    this.pos = this.slab.writeBigInt64BE(value, this.pos);
    return this;
  }

  /** A signed int64 from a safe integer (offsets, timestamps). */
  writeInt64FromNumber(value: number): this {
    this.ensure(8);
    writeInt64FromNumber(this.slab, this.pos, value);
    this.pos += 8;
    return this;
  }

  writeUnsignedVarint(value: number): this {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff)) {
      throw new RangeError(`unsigned varint ${value} is not a uint32`);
    }
    this.ensure(5);
    this.pos = writeUnsignedVarintAt(this.slab, this.pos, value);
    return this;
  }

  writeVarint(value: number): this {
    this.ensure(5);
    this.pos = writeVarintAt(this.slab, this.pos, value);
    return this;
  }

  writeVarlong(value: number): this {
    this.ensure(10);
    this.pos = writeVarlongAt(this.slab, this.pos, value);
    return this;
  }

  /** Copies `bytes` in (for small fields; see `appendBuffer` for large pass-through bodies). */
  writeBytes(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.slab.set(bytes, this.pos);
    this.pos += bytes.length;
    return this;
  }

  /** Writes `value` as UTF-8; `byteLength` must be `Buffer.byteLength(value)` (callers have it). */
  writeUtf8(value: string, byteLength: number): this {
    this.ensure(byteLength);
    const written = this.slab.write(value, this.pos, byteLength, 'utf8');
    if (written !== byteLength) throw new Error(`string wrote ${written} bytes, ${byteLength} expected`);
    this.pos += written;
    return this;
  }

  // Grammar: varintBytes := varint(n) byte{n}   with n = -1 for null
  writeVarintBytes(bytes: Uint8Array | null): this {
    if (bytes === null) return this.writeVarint(-1);
    return this.writeVarint(bytes.length).writeBytes(bytes);
  }

  // Grammar: varintString := varint(n) utf8{n}   with n = -1 for null
  writeVarintString(value: string | null): this {
    if (value === null) return this.writeVarint(-1);
    const byteLength = Buffer.byteLength(value, 'utf8');
    return this.writeVarint(byteLength).writeUtf8(value, byteLength);
  }

  // Grammar: int32(n) byte{n}   with n = -1 for null
  writeInt32Bytes(bytes: Uint8Array | null): this {
    if (bytes === null) return this.writeInt32(-1);
    return this.writeInt32(bytes.length).writeBytes(bytes);
  }

  // Grammar: int16(n) utf8{n}   with n = -1 for null
  writeInt16String(value: string | null): this {
    if (value === null) return this.writeInt16(-1);
    const byteLength = Buffer.byteLength(value, 'utf8');
    if (byteLength > 0x7fff) throw new RangeError(`string of ${byteLength} bytes exceeds an int16 length`);
    return this.writeInt16(byteLength).writeUtf8(value, byteLength);
  }

  /** Appends `bytes` as a chunk of its own, without copying; the caller must not modify it after. */
  appendBuffer(bytes: Buffer): this {
    this.seal();
    if (bytes.length > 0) {
      this.chunks.push(bytes);
      this.sealedBytes += bytes.length;
    }
    return this;
  }

  /** Leaves a 4-byte hole for a length written later with `patchInt32`. */
  reserveInt32(): Int32Slot {
    this.ensure(4);
    const slot: Int32Slot = { buf: this.slab, pos: this.pos, offset: this.length };
    this.pos += 4;
    return slot;
  }

  patchInt32(slot: Int32Slot, value: number): void {
    slot.buf.writeInt32BE(value, slot.pos);
  }

  /** The bytes written, as chunks in order; the Writer must not be used afterwards. */
  finishChunks(): Buffer[] {
    this.seal();
    return this.chunks;
  }

  /** The bytes written, as one buffer: no copy if they fit in one chunk. */
  finish(): Buffer {
    const chunks = this.finishChunks();
    if (chunks.length === 1) return chunks[0];
    return Buffer.concat(chunks, this.sealedBytes);
  }
}

/** A reserved 4-byte field; `offset` is its position in the finished output. */
export interface Int32Slot {
  readonly buf: Buffer;
  readonly pos: number;
  readonly offset: number;
}

// --- Sizes, so that encoders can allocate exactly once ---------------------------------------

export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x20_0000) return 3;
  if (value < 0x1000_0000) return 4;
  return 5;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

export function sizeOfVarlong(value: number): number {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  let size = 1;
  while (raw >= 0x80) {
    raw = Math.floor(raw / 0x80);
    size++;
  }
  return size;
}

/** Size of a varint-length-prefixed byte field (null is one byte: -1). */
export function sizeOfVarintBytes(length: number | null): number {
  return length === null ? 1 : sizeOfVarint(length) + length;
}

// --- In-place writers: return the position after the field; the caller has made room ----------

export function writeUnsignedVarintAt(buf: Buffer, pos: number, value: number): number {
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 0x80);
  }
  buf[pos++] = value;
  return pos;
}

export function writeVarintAt(buf: Buffer, pos: number, value: number): number {
  if (!(Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff)) {
    throw new RangeError(`varint ${value} is not an int32`);
  }
  return writeUnsignedVarintAt(buf, pos, ((value << 1) ^ (value >> 31)) >>> 0);
}

/** Zigzag varlong of a safe integer; exact for the whole safe range. */
export function writeVarlongAt(buf: Buffer, pos: number, value: number): number {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong ${value} is not a safe integer`);
  if (value > -0x8_0000_0000_0000 && value < 0x8_0000_0000_0000) {
    // |value| < 2^51, so the zigzagged value (< 2^52) is exact in a double.
    return writeUnsignedVarintAt(buf, pos, value >= 0 ? value * 2 : -value * 2 - 1);
  }
  let raw = BigInt(value) >= 0n ? BigInt(value) << 1n : (-BigInt(value) << 1n) - 1n;
  while (raw >= 0x80n) {
    buf[pos++] = Number(raw & 0x7fn) | 0x80;
    raw >>= 7n;
  }
  buf[pos++] = Number(raw);
  return pos;
}
