import * as fc from 'fast-check';
import { CompressionCodec, encodeRecordBatch } from '@runnel/protocol';
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
  return { want, got: out.toBuffer().toString('utf8'), sameCursor: text.nextOffset === objects.nextOffset && text.count === objects.records.length };
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
          headers: i % 4 === 0 ? [{ key: 'h"ä', value: Buffer.from('x') }, { key: 'n', value: null }] : [],
        })),
      });
      const second = encodeRecordBatch({ baseOffset: tricky.length, compression, records: tricky.map((value) => ({ timestamp: 5, key: null, value, headers: [] })) });
      const bytes = Buffer.concat([first, second]);
      for (const format of ['string', 'binary', 'json'] as const) {
        for (const [fromOffset, maxRecords] of [[0, 1000], [3, 1000], [0, 7], [12, 3], [20, 2]]) {
          const { want, got, sameCursor } = await both(bytes, { partition: 2, fromOffset, maxRecords, format, readNextOffset: 2 * tricky.length });
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
    const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)), { nil: null });
    const text = fc.option(fc.string({ unit: 'binary', maxLength: 20 }).map((s) => Buffer.from(s, 'utf8')), { nil: null });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.oneof(bytesOrNull, text), value: fc.oneof(bytesOrNull, text), header: fc.string({ maxLength: 8 }) }), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.constantFrom('string' as const, 'binary' as const, 'json' as const),
        async (records, format) => {
          const bytes = encodeRecordBatch({
            records: records.map((r, i) => ({ timestamp: 1000 + i, key: r.key, value: r.value, headers: [{ key: r.header, value: r.value }] })),
          });
          const { want, got } = await both(bytes, { partition: 0, fromOffset: 0, maxRecords: 100, format, readNextOffset: records.length });
          expect(got).toBe(want);
        },
      ),
      { numRuns: 200 },
    );
  });
});
