import { ProtocolError } from './errors';

/**
 * A bounded, big-endian cursor over `buf[pos, end)`, for decoding bytes nobody has vouched for.
 *
 * Invariants: `start <= pos <= end <= buf.length` at all times. Every read checks the bytes it
 * needs against `end` first, and every length read from the bytes is checked against the bytes
 * remaining before anything is sliced or allocated, so no input makes a Reader read past `end`,
 * allocate more than the input's size, or throw anything but ProtocolError:
 *
 *   - fewer bytes than a fixed field or a length needs   -> TRUNCATED
 *   - a varint longer than 5 bytes (10 for a varlong),
 *     or one whose value does not fit its type           -> INVALID_RECORD
 *   - a byte length below -1                             -> INVALID_LENGTH
 *
 * Byte fields are returned as `subarray` views that share memory with the input: callers that
 * keep them beyond the life of a pooled input buffer must copy them.
 *
 * Varints are Kafka's (ByteUtils): little-endian groups of 7 bits, high bit = more follow.
 * `varint` / `varlong` are zigzag-encoded signed int32 / int64; `unsignedVarint` is not zigzagged.
 */
export class Reader {
  pos: number;
  end: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    end = buf.length,
  ) {
    if (!(Number.isInteger(pos) && Number.isInteger(end) && 0 <= pos && pos <= end && end <= buf.length)) {
      throw new RangeError(`reader bounds [${pos}, ${end}) are outside a buffer of ${buf.length} bytes`);
    }
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws TRUNCATED unless `n` more bytes are available. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      throw new ProtocolError('TRUNCATED', `need ${n} bytes at offset ${this.pos}, ${this.end - this.pos} remain`);
    }
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  readInt8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }

  readUInt8(): number {
    this.need(1);
    return this.buf[this.pos++];
  }

  readInt16(): number {
    this.need(2);
    const value = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  readUInt16(): number {
    this.need(2);
    const value = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  readInt32(): number {
    this.need(4);
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  readUInt32(): number {
    this.need(4);
    const value = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  readInt64(): bigint {
    this.need(8);
    const value = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  /** A view of the next `n` bytes. */
  readBytes(n: number): Buffer {
    this.need(n);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  // Grammar (Kafka ByteUtils.readUnsignedVarint):
  //   unsignedVarint := (1xxxxxxx){0,4} 0xxxxxxx      value = sum(x_i << 7i), at most 32 bits
  readUnsignedVarint(): number {
    // Most varints in a record (attributes-sized deltas, short lengths) are one byte.
    const pos = this.pos;
    if (pos < this.end && this.buf[pos] < 0x80) {
      this.pos = pos + 1;
      return this.buf[pos];
    }
    return this.readLongUnsignedVarint();
  }

  private readLongUnsignedVarint(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let value = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= this.end) throw new ProtocolError('TRUNCATED', `varint at offset ${start} runs past the end`);
      const byte = buf[pos++];
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    if (pos >= this.end) throw new ProtocolError('TRUNCATED', `varint at offset ${start} runs past the end`);
    const byte = buf[pos++];
    // The fifth byte carries bits 28-31; a continuation bit or higher bits mean > 32 bits or > 5 bytes.
    if (byte > 0x0f) throw new ProtocolError('INVALID_RECORD', `varint at offset ${start} is longer than 32 bits`);
    this.pos = pos;
    return value + byte * 0x1000_0000;
  }

  // Grammar: varint := unsignedVarint of zigzag(int32), zigzag(n) = (n << 1) ^ (n >> 31)
  readVarint(): number {
    const raw = this.readUnsignedVarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  // Grammar: varlong := (1xxxxxxx){0,9} 0xxxxxxx of zigzag(int64); at most 64 bits.
  /**
   * Returns a number; a value outside the safe-integer range (which no sane timestamp delta
   * needs) is refused with INVALID_RECORD rather than rounded.
   */
  readVarlong(): number {
    const buf = this.buf;
    const start = this.pos;
    if (start < this.end && buf[start] < 0x80) {
      const raw = buf[start];
      this.pos = start + 1;
      return (raw >>> 1) ^ -(raw & 1);
    }
    // Up to 7 groups (49 bits) a double accumulates exactly; longer ones take the bigint path.
    let pos = start;
    let raw = 0;
    for (let scale = 1; scale < 2 ** 49; scale *= 0x80) {
      if (pos >= this.end) throw new ProtocolError('TRUNCATED', `varlong at offset ${start} runs past the end`);
      const byte = buf[pos++];
      raw += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        this.pos = pos;
        // zigzag: even -> raw / 2, odd -> -(raw + 1) / 2; exact because raw < 2^49.
        return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      }
    }
    return this.readLongVarlong(start);
  }

  private readLongVarlong(start: number): number {
    let pos = start;
    let raw = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= this.end) {
        throw new ProtocolError('TRUNCATED', `varlong at offset ${start} runs past the end`);
      }
      const byte = this.buf[pos++];
      if (shift === 63n && byte > 0x01) {
        throw new ProtocolError('INVALID_RECORD', `varlong at offset ${start} does not fit 64 bits`);
      }
      raw |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) {
        const value = (raw >> 1n) ^ -(raw & 1n);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new ProtocolError('INVALID_RECORD', `varlong ${value} at offset ${start} is not a safe integer`);
        }
        this.pos = pos;
        return Number(value);
      }
    }
    throw new ProtocolError('INVALID_RECORD', `varlong at offset ${start} is longer than 10 bytes`);
  }

  // Grammar: varintBytes := varint(n) byte{n}   with n = -1 for null
  /** A view of the bytes, or null; TRUNCATED if the length exceeds what remains. */
  readVarintBytes(): Buffer | null {
    const length = this.readVarint();
    if (length === -1) return null;
    return this.readBytes(this.checkedLength(length));
  }

  // Grammar: varintString := varint(n) utf8{n}   with n = -1 for null
  readVarintString(): string | null {
    const length = this.readVarint();
    if (length === -1) return null;
    this.need(this.checkedLength(length));
    const value = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  // Grammar (Kafka classic BYTES / NULLABLE_BYTES): int32(n) byte{n}   with n = -1 for null
  readInt32Bytes(): Buffer | null {
    const length = this.readInt32();
    if (length === -1) return null;
    return this.readBytes(this.checkedLength(length));
  }

  // Grammar (Kafka classic STRING / NULLABLE_STRING): int16(n) utf8{n}   with n = -1 for null
  readInt16String(): string | null {
    const length = this.readInt16();
    if (length === -1) return null;
    this.need(this.checkedLength(length));
    const value = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  private checkedLength(length: number): number {
    if (length < 0) throw new ProtocolError('INVALID_LENGTH', `length ${length} at offset ${this.pos} is negative`);
    return length;
  }
}
