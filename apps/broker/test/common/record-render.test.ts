import * as fc from 'fast-check';
import { CompressionCodec, OFFSET_CRC, computeBatchCrc, encodeRecordBatch } from '@runnel/protocol';
import { CorruptRecordBatchError } from '../../src/common/corrupt-batch';
import { JsonTextBuffer, RenderOptions, renderRecords, renderRecordsText, renderedDataText } from '../../src/common/record-render';

/**
 * The WebSocket path writes records frames as bytes (renderRecordsText) instead of building
 * objects and calling JSON.stringify. Whatever the bytes, its output must be exactly what
 * JSON.stringify of the object rendering (renderRecords, used by REST and SSE) gives — except
 * that a JSON key or value is its stored text (renderedDataText), never a re-serialised parse.
 */
const tricky: (Buffer | null)[] = [
  Buffer.from('plain'),
  Buffer.from('quo"te\\back'),
  Buffer.from('tab\tnl\n\u0001'),
  Buffer.from('héllo ✓ 😀'),
  Buffer.from([0xff, 0xfe, 0x41]),
  null,
  Buffer.from('{"a":[1,2,{"b":null}]}'),
  Buffer.from(''),
  Buffer.from('  {"x":1}  '),
  Buffer.from('\u007f del \u2028'),
  Buffer.from('{"n": 9007199254740993, "m": 1e400}'),
];

async function both(bytes: Buffer, options: RenderOptions): Promise<{ want: string; got: string; sameCursor: boolean }> {
  const objects = await renderRecords(bytes, options);
  const want =
    '[' +
    objects.records
      .map(
        (r) =>
          `{"partition":${r.partition_id},"offset":${r.offset},"timestamp":${r.timestamp},"key":${renderedDataText(r.key)},` +
          `"value":${renderedDataText(r.value)},"headers":${JSON.stringify(r.headers)}}`,
      )
      .join(',') +
    ']';
  const out = new JsonTextBuffer(16);
  out.ascii('[');
  const text = await renderRecordsText(bytes, options, out);
  out.ascii(']');
  return {
    want,
    got: out.toBuffer().toString('utf8'),
    sameCursor: text.nextOffset === objects.nextOffset && text.count === objects.records.length,
  };
}

describe('renderRecordsText', () => {
  it('is byte-identical to JSON.stringify of renderRecords for tricky bytes, every format, codecs and cut-offs', async () => {
    for (const compression of [CompressionCodec.None, CompressionCodec.Gzip]) {
      const first = encodeRecordBatch({
        compression,
        records: tricky.map((value, i) => ({
          timestamp: i === 2 ? 0 : 1763787000000 + i,
          key: i % 3 === 0 ? Buffer.from(`k${i}`) : null,
          value,
          headers:
            i % 4 === 0
              ? [
                  { key: 'h"ä', value: Buffer.from('x') },
                  { key: 'n', value: null },
                ]
              : [],
        })),
      });
      const second = encodeRecordBatch({
        baseOffset: tricky.length,
        compression,
        records: tricky.map((value) => ({ timestamp: 5, key: null, value, headers: [] })),
      });
      const bytes = Buffer.concat([first, second]);
      for (const format of ['string', 'binary', 'json'] as const) {
        for (const [fromOffset, maxRecords] of [
          [0, 1000],
          [3, 1000],
          [0, 7],
          [12, 3],
          [20, 2],
        ]) {
          const { want, got, sameCursor } = await both(bytes, {
            partition: 2,
            fromOffset,
            maxRecords,
            format,
            readNextOffset: 2 * tricky.length,
          });
          expect(got).toBe(want);
          expect(sameCursor).toBe(true);
          if (format === 'json' && maxRecords === 1000) {
            expect(got).toContain('"value":{"type":"JSON","data":{"n": 9007199254740993, "m": 1e400}}');
            expect(got).toContain('"value":{"type":"JSON","data":{"x":1}}'); // the whitespace around a value goes
            expect(got).toContain('"value":{"type":"STRING","data":"plain"}');
          }
        }
      }
    }
  });

  it('agrees with JSON.stringify on random keys, values and headers', async () => {
    const bytesOrNull = fc.option(
      fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
      { nil: null },
    );
    const text = fc.option(
      fc.string({ unit: 'binary', maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')),
      { nil: null },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.oneof(bytesOrNull, text), value: fc.oneof(bytesOrNull, text), header: fc.string({ maxLength: 8 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.constantFrom('string' as const, 'binary' as const, 'json' as const),
        async (records, format) => {
          const bytes = encodeRecordBatch({
            records: records.map((r, i) => ({
              timestamp: 1000 + i,
              key: r.key,
              value: r.value,
              headers: [{ key: r.header, value: r.value }],
            })),
          });
          const { want, got } = await both(bytes, { partition: 0, fromOffset: 0, maxRecords: 100, format, readNextOffset: records.length });
          expect(got).toBe(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('renderRecords / renderRecordsText at a corrupt stored batch', () => {
  const batchAt = (baseOffset: number, values: string[]): Buffer =>
    encodeRecordBatch({ baseOffset, records: values.map((v) => ({ timestamp: 5, key: null, value: Buffer.from(v), headers: [] })) });
  /** A batch of two records at `baseOffset` whose second record's value length lies (CRC valid). */
  function corruptAt(baseOffset: number): Buffer {
    const batch = batchAt(baseOffset, ['ok', 'xy']);
    batch[batch.length - 4] = 0x7e; // the second record's value length: 63 bytes, past its record
    batch.writeUInt32BE(computeBatchCrc(batch, 0, batch.length), OFFSET_CRC);
    return batch;
  }
  const options = (fromOffset: number): RenderOptions => ({
    partition: 0,
    fromOffset,
    maxRecords: 100,
    format: 'string',
    readNextOffset: 99,
  });
  const log = Buffer.concat([batchAt(0, ['a', 'b']), corruptAt(2), batchAt(4, ['c'])]);

  it('returns the records before a bad batch and stops at its offset, dropping what it rendered of it', async () => {
    const objects = await renderRecords(log, options(0));
    expect([objects.records.map((r) => r.offset), objects.nextOffset, objects.stoppedAtCorruptBatch]).toEqual([[0, 1], 2, true]);
    const out = new JsonTextBuffer(16);
    const text = await renderRecordsText(log, options(1), out);
    expect([text.count, text.nextOffset, text.stoppedAtCorruptBatch]).toEqual([1, 2, true]);
    expect(JSON.parse(`[${out.toBuffer().toString()}]`).map((r: { offset: number }) => r.offset)).toEqual([1]);
    // A later batch failing its CRC: everything before it is kept.
    const damaged = Buffer.concat([batchAt(0, ['a', 'b']), batchAt(2, ['c'])]);
    damaged[damaged.length - 1] ^= 1;
    const kept = await renderRecords(damaged, options(0));
    expect([kept.records.map((r) => r.offset), kept.nextOffset, kept.stoppedAtCorruptBatch]).toEqual([[0, 1], 2, true]);
  });

  it('throws CorruptRecordBatchError naming the offset when the first batch is bad, writing nothing', async () => {
    const fromBad = log.subarray(batchAt(0, ['a', 'b']).length);
    for (const from of [2, 3]) {
      await expect(renderRecords(fromBad, options(from))).rejects.toMatchObject({ name: 'CorruptRecordBatchError', offset: from });
      const out = new JsonTextBuffer(16);
      out.ascii('[');
      await expect(renderRecordsText(fromBad, options(from), out, true)).rejects.toBeInstanceOf(CorruptRecordBatchError);
      expect(out.toBuffer().toString()).toBe('[');
    }
    // A CRC failure (damage on disk) is met the same way.
    const flipped = Buffer.concat([batchAt(2, ['d']), batchAt(3, ['e'])]);
    flipped[batchAt(2, ['d']).length - 1] ^= 1;
    await expect(renderRecords(flipped, options(2))).rejects.toMatchObject({ offset: 2, message: expect.stringMatching(/CRC/) });
  });
});
