import fc from 'fast-check';
import { Reader, Writer } from '@runnel/protocol';
import { hex, protocolErrorCode } from './helpers';

// Kafka's varint encoding is zigzag + 7-bit groups; these vectors follow from that definition
// (and match Kafka's ByteUtilsTest).
const VARINT_VECTORS: [number, string][] = [
  [0, '00'],
  [-1, '01'],
  [1, '02'],
  [63, '7e'],
  [-64, '7f'],
  [64, '8001'],
  [-65, '8101'],
  [8191, 'fe7f'],
  [-8192, 'ff7f'],
  [8192, '808001'],
  [-8193, '818001'],
  [134217727, 'feffff7f'],
  [-134217728, 'ffffff7f'],
  [134217728, '8080808001'],
  [2147483647, 'feffffff0f'],
  [-2147483648, 'ffffffff0f'],
];

describe('Reader', () => {
  it('reads Kafka varints', () => {
    for (const [value, bytes] of VARINT_VECTORS) {
      const reader = new Reader(hex(bytes));
      expect(reader.readVarint()).toBe(value);
      expect(reader.remaining).toBe(0);
    }
  });

  it('reads varlongs across the safe-integer range, refusing wider values', () => {
    expect(new Reader(hex('feffffffffffff0f')).readVarlong()).toBe(2 ** 52 - 1);
    expect(new Reader(hex('feffffffffffff1f')).readVarlong()).toBe(Number.MAX_SAFE_INTEGER);
    expect(new Reader(hex('fdffffffffffff1f')).readVarlong()).toBe(Number.MIN_SAFE_INTEGER);
    expect(protocolErrorCode(() => new Reader(hex('feffffffffffff3f')).readVarlong())).toBe('INVALID_RECORD');
    // Long.MAX_VALUE and Long.MIN_VALUE are legal Kafka varlongs but not safe integers.
    expect(protocolErrorCode(() => new Reader(hex('feffffffffffffffff01')).readVarlong())).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => new Reader(hex('ffffffffffffffffff01')).readVarlong())).toBe('INVALID_RECORD');
  });

  it('reads fixed-width big-endian fields', () => {
    const reader = new Reader(hex('ff 8000 fffffffe 00000000000000ff 7f ffff ffffffff'));
    expect(reader.readInt8()).toBe(-1);
    expect(reader.readInt16()).toBe(-32768);
    expect(reader.readInt32()).toBe(-2);
    expect(reader.readInt64()).toBe(255n);
    expect(reader.readUInt8()).toBe(127);
    expect(reader.readUInt16()).toBe(65535);
    expect(reader.readUInt32()).toBe(4294967295);
    expect(reader.remaining).toBe(0);
  });

  it('reads nullable byte and string fields as views', () => {
    const buf = hex('06 616263 01 00 0003 78797a ffff 00000002 0102 ffffffff');
    const reader = new Reader(buf);
    const bytes = reader.readVarintBytes();
    expect(bytes?.toString()).toBe('abc');
    expect(bytes?.buffer).toBe(buf.buffer); // a view, not a copy
    expect(reader.readVarintBytes()).toBeNull();
    expect(reader.readVarintString()).toBe('');
    expect(reader.readInt16String()).toBe('xyz');
    expect(reader.readInt16String()).toBeNull();
    expect(reader.readInt32Bytes()).toEqual(Buffer.from([1, 2]));
    expect(reader.readInt32Bytes()).toBeNull();
  });

  it('throws TRUNCATED for every over-read, and never reads past its end', () => {
    const buf = hex('0102030405060708090a');
    const bounded = () => new Reader(buf, 2, 5); // three bytes visible of ten
    expect(protocolErrorCode(() => bounded().readInt32())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => bounded().readInt64())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => bounded().readBytes(4))).toBe('TRUNCATED');
    expect(protocolErrorCode(() => bounded().skip(4))).toBe('TRUNCATED');
    expect(bounded().readBytes(3)).toEqual(hex('030405'));
    expect(protocolErrorCode(() => new Reader(hex('80')).readVarint())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('8080')).readVarlong())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('808080808080808080')).readVarlong())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('0a 6162')).readVarintString())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('0005 6162')).readInt16String())).toBe('TRUNCATED');
  });

  it('checks a length against the bytes remaining before allocating for it', () => {
    // A 4-byte input claiming a 2^31-1 byte field: refused, not allocated.
    expect(protocolErrorCode(() => new Reader(hex('7fffffff')).readInt32Bytes())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('feffffff0f')).readVarintBytes())).toBe('TRUNCATED');
    expect(protocolErrorCode(() => new Reader(hex('03')).readVarintBytes())).toBe('INVALID_LENGTH'); // -2
    expect(protocolErrorCode(() => new Reader(hex('fffffffe')).readInt32Bytes())).toBe('INVALID_LENGTH');
  });

  it('refuses varints longer than 5 bytes and varlongs longer than 10', () => {
    expect(protocolErrorCode(() => new Reader(hex('808080808001')).readVarint())).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => new Reader(hex('ffffffff1f')).readVarint())).toBe('INVALID_RECORD'); // 33 bits
    expect(protocolErrorCode(() => new Reader(hex('8080808080808080808001')).readVarlong())).toBe('INVALID_RECORD');
    expect(protocolErrorCode(() => new Reader(hex('80808080808080808002')).readVarlong())).toBe('INVALID_RECORD'); // 65 bits
  });

  it('round-trips what the Writer writes, for any values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant('varint' as const), value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
            fc.record({ kind: fc.constant('varlong' as const), value: fc.maxSafeInteger().map((n) => n) }),
            fc.record({ kind: fc.constant('uvarint' as const), value: fc.integer({ min: 0, max: 2 ** 32 - 1 }) }),
            fc.record({ kind: fc.constant('bytes' as const), value: fc.option(fc.uint8Array({ maxLength: 40 })) }),
            fc.record({ kind: fc.constant('string' as const), value: fc.option(fc.string({ unit: 'grapheme', maxLength: 10 })) }),
          ),
          { maxLength: 30 },
        ),
        (fields) => {
          const writer = new Writer(8); // tiny slabs: exercise chunking
          for (const f of fields) {
            if (f.kind === 'varint') writer.writeVarint(f.value);
            else if (f.kind === 'varlong') writer.writeVarlong(f.value);
            else if (f.kind === 'uvarint') writer.writeUnsignedVarint(f.value);
            else if (f.kind === 'bytes') writer.writeVarintBytes(f.value);
            else writer.writeVarintString(f.value);
          }
          const reader = new Reader(writer.finish());
          for (const f of fields) {
            if (f.kind === 'varint') expect(reader.readVarint()).toBe(f.value);
            else if (f.kind === 'varlong') expect(reader.readVarlong()).toBe(f.value);
            else if (f.kind === 'uvarint') expect(reader.readUnsignedVarint()).toBe(f.value);
            else if (f.kind === 'bytes') {
              const bytes = reader.readVarintBytes();
              expect(bytes === null ? null : new Uint8Array(bytes)).toEqual(f.value);
            } else expect(reader.readVarintString()).toBe(f.value);
          }
          expect(reader.remaining).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never throws anything but ProtocolError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), fc.nat(5), (bytes, op) => {
        const reader = new Reader(Buffer.from(bytes));
        try {
          for (;;) {
            if (op === 0) reader.readVarint();
            else if (op === 1) reader.readVarlong();
            else if (op === 2) reader.readVarintBytes();
            else if (op === 3) reader.readVarintString();
            else if (op === 4) reader.readInt32Bytes();
            else reader.readInt16String();
          }
        } catch (error) {
          expect(error).toHaveProperty('name', 'ProtocolError');
        }
        expect(reader.pos).toBeLessThanOrEqual(reader.end);
      }),
      { numRuns: 300 },
    );
  });
});
