import { mergeBackward, mergeForward, type Window } from '../../app/(console)/topics/[topic]/messages/merge';
import {
  fromBase64,
  preview,
  rowsToCsv,
  toBase64,
  toRow,
  VALUE_PREVIEW_BYTES,
  type Row,
} from '../../app/(console)/topics/[topic]/messages/record-data';

/** Unit tests of the messages page's pure parts: merging partitions by time and the bounded previews. */
const row = (partition: number, offset: number, timestamp: number): Row => ({
  partition,
  offset,
  timestamp,
  key: null,
  value: null,
  headers: [],
});

function window(partition: number, offsets: number[], times: number[], more = false, hasOlder = false): Window {
  const rows = offsets.map((o, i) => row(partition, o, times[i]));
  return { partition, rows, start: offsets[0] ?? 0, end: (offsets[offsets.length - 1] ?? -1) + 1, more, hasOlder };
}

const labels = (rows: Row[]) => rows.map((r) => `${r.partition}/${r.offset}`);

describe('mergeForward', () => {
  it('merges by time, keeps each partition in offset order, and gives the next positions', () => {
    const merged = mergeForward([window(0, [0, 1, 2], [10, 30, 50], true), window(1, [5, 6], [20, 40])], 4);
    expect(labels(merged.rows)).toEqual(['0/0', '1/5', '0/1', '1/6']);
    expect(merged.newer).toEqual(
      new Map([
        [0, 2],
        [1, 7],
      ]),
    );
    expect(merged.older).toBeNull();
  });

  it('stops where a partition with unread records runs out (its next record may be older)', () => {
    const merged = mergeForward([window(0, [0], [10], true), window(1, [0, 1, 2], [11, 12, 13])], 10);
    expect(labels(merged.rows)).toEqual(['0/0']);
    expect(merged.newer).toEqual(
      new Map([
        [0, 1],
        [1, 0],
      ]),
    );
  });

  it('says when nothing is newer or older', () => {
    const merged = mergeForward([window(0, [3, 4], [1, 2], false, true)], 10);
    expect(labels(merged.rows)).toEqual(['0/3', '0/4']);
    expect(merged.newer).toBeNull();
    expect(merged.older).toEqual(new Map([[0, 3]]));
  });
});

describe('mergeBackward', () => {
  it('takes the newest records first and pages older from the lowest taken offsets', () => {
    const merged = mergeBackward([window(0, [0, 1, 2], [10, 30, 50], false, true), window(1, [5, 6], [20, 40])], 3);
    expect(labels(merged.rows)).toEqual(['0/2', '1/6', '0/1']);
    expect(merged.older).toEqual(
      new Map([
        [0, 1],
        [1, 6],
      ]),
    );
    expect(merged.newer).toBeNull();
  });
});

describe('previews', () => {
  it('cut a value to VALUE_PREVIEW_BYTES and keep its size', () => {
    const bytes = new Uint8Array(10_000).map((_, i) => i % 251);
    const r = toRow({
      partition_id: 2,
      offset: 7,
      timestamp: 1,
      key: null,
      value: { type: 'BINARY', data: Buffer.from(bytes).toString('base64') },
    });
    expect(r.value!.size).toBe(10_000);
    expect(r.value!.truncated).toBe(true);
    expect(Buffer.from(fromBase64(r.value!.b64))).toEqual(Buffer.from(bytes.subarray(0, VALUE_PREVIEW_BYTES)));
  });

  it('take the size a search match reports for a cut value', () => {
    const data = preview({ type: 'STRING', data: 'abc' }, 10, 70_000);
    expect(data).toEqual({ b64: toBase64(new TextEncoder().encode('abc')), size: 70_000, truncated: true });
  });

  it('round-trip base64', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 255]) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37) % 256);
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      expect(Buffer.from(fromBase64(toBase64(bytes)))).toEqual(Buffer.from(bytes));
    }
  });

  it('export CSV with quoting', () => {
    const r = toRow({
      partition_id: 0,
      offset: 1,
      timestamp: 0,
      key: { type: 'STRING', data: 'a,b' },
      value: { type: 'STRING', data: 'say "hi"\n' },
    });
    const csv = rowsToCsv('t', [r]).split('\r\n');
    expect(csv[1]).toBe('t,0,1,1970-01-01T00:00:00.000Z,,"a,b","say ""hi""\n",9,,');
  });
});
