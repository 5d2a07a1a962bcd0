import fc from 'fast-check';
import { murmur2, toPositive } from '@runnel/protocol';
// KafkaJS's port of the same Java function, on 64-bit Longs: an independent implementation.
const kafkaJsMurmur2: (key: Buffer) => number = require('kafkajs/src/producer/partitioners/default/murmur2');

describe('murmur2', () => {
  it('matches the vectors of Kafka’s UtilsTest.testMurmur2', () => {
    const vectors: [Uint8Array, number][] = [
      [Buffer.from('21'), -973932308],
      [Buffer.from('foobar'), -790332482],
      [Buffer.from('a-little-bit-long-string'), -985981536],
      [Buffer.from('a-little-bit-longer-string'), -1486304829],
      [Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'), -58897971],
      [new Uint8Array([0x61, 0x62, 0x63]), 479470107],
    ];
    for (const [key, hash] of vectors) expect(murmur2(key)).toBe(hash);
  });

  it('agrees with KafkaJS’s implementation on thousands of random keys of every tail length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (key) => {
        expect(murmur2(key)).toBe(kafkaJsMurmur2(Buffer.from(key)));
      }),
      { numRuns: 3000 },
    );
    // Bytes >= 0x80 are where sign handling goes wrong if it is going to.
    expect(murmur2(new Uint8Array([0xff, 0xfe, 0x80, 0x81, 0xc3]))).toBe(kafkaJsMurmur2(Buffer.from([0xff, 0xfe, 0x80, 0x81, 0xc3])));
    expect(murmur2(new Uint8Array(0))).toBe(kafkaJsMurmur2(Buffer.alloc(0)));
  });

  it('returns a signed 32-bit int, and toPositive clears only the sign bit', () => {
    expect(toPositive(-973932308)).toBe(1173551340);
    expect(toPositive(-2147483648)).toBe(0); // where Math.abs would overflow in Java
    expect(toPositive(123)).toBe(123);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (key) => {
        const hash = murmur2(key);
        expect(hash).toBe(hash | 0);
      }),
      { numRuns: 200 },
    );
  });
});
