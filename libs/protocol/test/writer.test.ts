import fc from 'fast-check';
import { Writer, sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong } from '@runnel/protocol';
// KafkaJS's Encoder implements Kafka's varints independently of ours.
const KafkaJsEncoder = require('kafkajs/src/protocol/encoder');

describe('Writer', () => {
  it('writes Kafka varints byte for byte as KafkaJS does, and sizes them exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.maxSafeInteger(), (int, long) => {
        const ours = new Writer().writeVarint(int).writeVarlong(long).finish();
        const theirs: Buffer = new KafkaJsEncoder().writeVarInt(int).writeVarLong(long).buffer;
        expect(ours.toString('hex')).toBe(theirs.toString('hex'));
        expect(ours.length).toBe(sizeOfVarint(int) + sizeOfVarlong(long));
      }),
      { numRuns: 500 },
    );
    for (const value of [0, 127, 128, 16383, 16384, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1]) {
      expect(new Writer().writeUnsignedVarint(value).finish().length).toBe(sizeOfUnsignedVarint(value));
    }
  });

  it('writes a length prefix last, into a slot reserved before the body', () => {
    const writer = new Writer(6);
    writer.writeInt8(7);
    const slot = writer.reserveInt32();
    const bodyStart = writer.length;
    writer.writeVarintString('héllo, wörld').writeInt64(-2n);
    writer.patchInt32(slot, writer.length - bodyStart);
    const out = writer.finish();
    expect(slot.offset).toBe(1);
    expect(out.readInt32BE(1)).toBe(out.length - 5);
    expect(out.readBigInt64BE(out.length - 8)).toBe(-2n);
  });

  it('returns one slab without copying when the size was known, and appends buffers without copying', () => {
    const exact = new Writer(8).writeInt32(1).writeInt32(2).finishChunks();
    expect(exact).toHaveLength(1);
    expect(exact[0]).toEqual(Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]));

    const body = Buffer.from('a body passed through untouched');
    const chunks = new Writer().writeInt32(body.length).appendBuffer(body).writeInt8(0).finishChunks();
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toBe(body);
    expect(Buffer.concat(chunks).subarray(4, 4 + body.length)).toEqual(body);
  });

  it('grows across slabs without losing or reordering bytes', () => {
    const writer = new Writer(3);
    const expected: number[] = [];
    for (let i = 0; i < 1000; i++) {
      writer.writeInt16(i);
      expected.push(i >> 8, i & 0xff);
    }
    writer.writeBytes(Buffer.alloc(10, 9));
    expected.push(...Array<number>(10).fill(9));
    expect([...writer.finish()]).toEqual(expected);
    expect(writer.length).toBe(expected.length);
  });

  it('refuses values outside a field’s range (caller bugs)', () => {
    expect(() => new Writer().writeVarint(2 ** 31)).toThrow(RangeError);
    expect(() => new Writer().writeVarlong(2 ** 53)).toThrow(RangeError);
    expect(() => new Writer().writeUnsignedVarint(-1)).toThrow(RangeError);
    expect(() => new Writer().writeInt64FromNumber(1.5)).toThrow(RangeError);
  });
});
