import { checkHistory } from '../../faults/checker';
import type { FinalState, Op, ProduceOp, ReadOp, ReadRecord } from '../../faults/history';

/** Histories written by hand, one anomaly at a time, and the verdict a reader of the summary sees. */
let clock = 0;
function produce(value: string, partition: number, outcome: ProduceOp['outcome'], offset?: number, broker = 1): ProduceOp {
  clock += 1;
  return { kind: 'produce', process: 'producer-0', broker, partition, value, outcome, offset, startMs: clock, endMs: clock };
}
function read(process: string, partition: number, fromOffset: number, records: ReadRecord[], broker = 1): ReadOp {
  clock += 1;
  return { kind: 'read', process, broker, partition, fromOffset, outcome: 'ok', records, startMs: clock, endMs: clock };
}
const rec = (offset: number, value: string): ReadRecord => ({ offset, value });
const finalOf = (entries: Record<number, ReadRecord[]>): FinalState => new Map(Object.entries(entries).map(([p, r]) => [Number(p), r]));

describe('checkHistory', () => {
  it('passes a clean history: every acknowledged write is in the final log where it was acknowledged', () => {
    const ops: Op[] = [produce('a', 0, 'ok', 0), produce('b', 0, 'ok', 1), read('consumer-0', 0, 0, [rec(0, 'a'), rec(1, 'b')])];
    const result = checkHistory(ops, finalOf({ 0: [rec(0, 'a'), rec(1, 'b')] }));
    expect(result).toMatchObject({
      acknowledged: 2,
      lost: 0,
      inconsistent: 0,
      vanished: 0,
      nonMonotonic: 0,
      skipped: 0,
      violations: 0,
      recordsRead: 2,
    });
    expect(result.anomalies).toEqual([]);
  });

  it('reports an acknowledged write missing from the final log as lost', () => {
    const result = checkHistory([produce('a', 0, 'ok', 0), produce('b', 0, 'ok', 1)], finalOf({ 0: [rec(0, 'a')] }));
    expect(result.lost).toBe(1);
    expect(result.violations).toBe(1);
    expect(result.anomalies[0]).toMatchObject({ kind: 'lost', value: 'b', offset: 1 });
  });

  it('does not count writes with an unknown or failed outcome as lost, and counts unknown ones that landed', () => {
    const result = checkHistory(
      [produce('a', 0, 'unknown'), produce('b', 0, 'unknown'), produce('c', 0, 'fail')],
      finalOf({ 0: [rec(0, 'a')] }),
    );
    expect(result).toMatchObject({ lost: 0, unknown: 2, unknownPresent: 1, failed: 1, violations: 0 });
  });

  it('reports a definitely refused write that is in the final log after all', () => {
    const result = checkHistory([produce('a', 0, 'fail')], finalOf({ 0: [rec(0, 'a')] }));
    expect(result.failedPresent).toBe(1);
    expect(result.violations).toBe(1);
  });

  it('reports two values at one offset (two brokers, or a read and the final log) as inconsistent, once per offset', () => {
    const ops: Op[] = [
      produce('a', 0, 'ok', 0),
      read('consumer-0', 0, 0, [rec(0, 'a'), rec(1, 'x')], 1),
      read('consumer-1', 0, 0, [rec(0, 'a'), rec(1, 'y')], 2),
      read('consumer-2', 0, 0, [rec(0, 'a'), rec(1, 'z')], 3),
    ];
    const result = checkHistory(ops, finalOf({ 0: [rec(0, 'a'), rec(1, 'y')] }));
    expect(result.inconsistent).toBe(1);
    expect(result.anomalies.filter((a) => a.kind === 'inconsistent')[0]).toMatchObject({ partition: 0, offset: 1 });
  });

  it('reports an acknowledged write found at another offset than acknowledged as inconsistent', () => {
    const result = checkHistory([produce('a', 0, 'ok', 5)], finalOf({ 0: [rec(0, 'a')] }));
    expect(result.lost).toBe(0);
    expect(result.inconsistent).toBe(1);
  });

  it('reports a record read but never acknowledged that later vanished', () => {
    const ops: Op[] = [produce('a', 0, 'unknown'), read('consumer-0', 0, 0, [rec(0, 'a')])];
    const result = checkHistory(ops, finalOf({ 0: [] }));
    expect(result.vanished).toBe(1);
    expect(result.lost).toBe(0);
    expect(result.anomalies[0]).toMatchObject({ kind: 'vanished', value: 'a' });
  });

  it('counts a read record that was acknowledged and vanished as lost only, not twice', () => {
    const ops: Op[] = [produce('a', 0, 'ok', 0), read('consumer-0', 0, 0, [rec(0, 'a')])];
    const result = checkHistory(ops, finalOf({ 0: [] }));
    expect(result).toMatchObject({ lost: 1, vanished: 0 });
  });

  it('reports a consumer that reads an offset at or below one it already saw (per partition)', () => {
    const ops: Op[] = [
      read('consumer-0', 0, 0, [rec(0, 'a'), rec(1, 'b')]),
      read('consumer-0', 1, 0, [rec(0, 'c')]),
      read('consumer-0', 0, 2, [rec(1, 'b')]),
    ];
    const result = checkHistory(ops, finalOf({ 0: [rec(0, 'a'), rec(1, 'b')], 1: [rec(0, 'c')] }));
    expect(result.nonMonotonic).toBe(1);
    expect(result.anomalies[0]).toMatchObject({ kind: 'non-monotonic', partition: 0, offset: 1 });
  });

  it('reports a consumer that jumped over records the final log holds, but not over offsets with nothing in them', () => {
    const final = finalOf({ 0: [rec(0, 'a'), rec(1, 'b'), rec(2, 'c')] });
    const skipping = checkHistory([read('consumer-0', 0, 0, [rec(0, 'a')]), read('consumer-0', 0, 1, [rec(2, 'c')])], final);
    expect(skipping.skipped).toBe(1);
    expect(skipping.anomalies[0].detail).toContain('missing 1 record');
    const sparse = checkHistory(
      [read('consumer-0', 0, 0, [rec(0, 'a')]), read('consumer-0', 0, 1, [rec(5, 'z')])],
      finalOf({ 0: [rec(0, 'a'), rec(5, 'z')] }),
    );
    expect(sparse.skipped).toBe(0);
  });

  it('ignores failed and unknown reads', () => {
    const failedRead: ReadOp = { ...read('consumer-0', 0, 0, []), outcome: 'unknown', records: [] };
    expect(checkHistory([failedRead], finalOf({ 0: [] })).violations).toBe(0);
  });

  it('counts duplicates in the final log without calling them violations', () => {
    const result = checkHistory([produce('a', 0, 'ok', 0)], finalOf({ 0: [rec(0, 'a'), rec(1, 'a'), rec(2, 'a')] }));
    expect(result.duplicates).toBe(2);
    expect(result.violations).toBe(0);
  });

  it('keeps at most 50 anomalies for the report but counts them all', () => {
    const ops = Array.from({ length: 80 }, (_, i) => produce(`v${i}`, 0, 'ok', i));
    const result = checkHistory(ops, finalOf({ 0: [] }));
    expect(result.lost).toBe(80);
    expect(result.anomalies).toHaveLength(50);
  });
});
