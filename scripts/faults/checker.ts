import type { FinalState, Op, ProduceOp, ReadOp } from './history';

/**
 * Jepsen-style checkers over one run's history and the final state read after healing. Pure:
 * no I/O, no clocks. What each one proves (a violation of any is a bug in the cluster):
 *
 * - lost: a write acknowledged (acks=all, an offset answered) is not in the final log.
 * - vanished: a record a consumer read (reads only ever expose data below the high watermark,
 *   which is committed) that was never acknowledged and is not in the final log.
 * - inconsistent: the same (partition, offset) observed with different values — by two reads,
 *   by two brokers, by an acknowledgement and a read, or by the final log — or an acknowledged
 *   value found somewhere other than the offset it was acknowledged at.
 * - non-monotonic: one consumer saw an offset at or below one it had already seen on that partition.
 * - skipped: one consumer's reads jumped over offsets that the final log holds (it missed records).
 * - failed-present: a write refused with a definite error (4xx) is in the final log after all.
 *
 * Counted, not violations: duplicates (a value at more than one offset of the final log) and
 * writes with an unknown outcome, and how many of those did land.
 */
export type AnomalyKind = 'lost' | 'vanished' | 'inconsistent' | 'non-monotonic' | 'skipped' | 'failed-present';

export interface Anomaly {
  kind: AnomalyKind;
  partition: number;
  offset?: number;
  value?: string;
  detail: string;
}

export interface CheckResult {
  /** Produce operations acknowledged (acks=all). */
  acknowledged: number;
  failed: number;
  unknown: number;
  /** Writes with an unknown outcome that are in the final log. */
  unknownPresent: number;
  reads: number;
  recordsRead: number;
  finalRecords: number;
  lost: number;
  vanished: number;
  inconsistent: number;
  nonMonotonic: number;
  skipped: number;
  failedPresent: number;
  duplicates: number;
  /** Total of every violation count above (0 = the run is correct). */
  violations: number;
  /** The first anomalies found, at most MAX_ANOMALIES_KEPT, for the report. */
  anomalies: Anomaly[];
}

export const MAX_ANOMALIES_KEPT = 50;

interface Location {
  partition: number;
  offset: number;
}

export function checkHistory(ops: readonly Op[], final: FinalState): CheckResult {
  const anomalies: Anomaly[] = [];
  const note = (anomaly: Anomaly): void => {
    if (anomalies.length < MAX_ANOMALIES_KEPT) anomalies.push(anomaly);
  };
  const produces = ops.filter((op): op is ProduceOp => op.kind === 'produce');
  const reads = ops.filter((op): op is ReadOp => op.kind === 'read');

  // Where every value sits in the final log (more than one place = duplicates).
  const finalPlaces = new Map<string, Location[]>();
  let finalRecords = 0;
  for (const [partition, records] of final) {
    for (const record of records) {
      finalRecords++;
      const places = finalPlaces.get(record.value);
      if (places) places.push({ partition, offset: record.offset });
      else finalPlaces.set(record.value, [{ partition, offset: record.offset }]);
    }
  }
  let duplicates = 0;
  for (const places of finalPlaces.values()) duplicates += places.length - 1;

  const inconsistentAt = new Set<string>();
  const inconsistency = (partition: number, offset: number, detail: string, value?: string): void => {
    const key = `${partition}:${offset}`;
    if (inconsistentAt.has(key)) return;
    inconsistentAt.add(key);
    note({ kind: 'inconsistent', partition, offset, value, detail });
  };

  // Every observation of (partition, offset) → value must agree.
  const seen = new Map<string, { value: string; source: string }>();
  const observe = (partition: number, offset: number, value: string, source: string): void => {
    const key = `${partition}:${offset}`;
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, { value, source });
    else if (earlier.value !== value) {
      inconsistency(
        partition,
        offset,
        `${earlier.source} saw ${JSON.stringify(earlier.value)}, ${source} saw ${JSON.stringify(value)}`,
        value,
      );
    }
  };
  for (const [partition, records] of final) for (const r of records) observe(partition, r.offset, r.value, 'the final log');

  let acknowledged = 0;
  let failed = 0;
  let unknown = 0;
  let unknownPresent = 0;
  let lost = 0;
  let failedPresent = 0;
  const acknowledgedValues = new Set<string>();
  for (const op of produces) {
    const places = finalPlaces.get(op.value);
    if (op.outcome === 'ok') {
      acknowledged++;
      acknowledgedValues.add(op.value);
      if (op.offset !== undefined) observe(op.partition, op.offset, op.value, `the ack to ${op.process} (broker ${op.broker})`);
      if (places === undefined) {
        lost++;
        note({
          kind: 'lost',
          partition: op.partition,
          offset: op.offset,
          value: op.value,
          detail: `acknowledged by broker ${op.broker} at offset ${op.offset}, not in the final log`,
        });
      } else if (op.offset !== undefined && !places.some((p) => p.partition === op.partition && p.offset === op.offset)) {
        const where = places.map((p) => `${p.partition}@${p.offset}`).join(', ');
        inconsistency(op.partition, op.offset, `acknowledged at ${op.partition}@${op.offset}, found at ${where}`, op.value);
      }
    } else if (op.outcome === 'fail') {
      failed++;
      if (places !== undefined) {
        failedPresent++;
        note({
          kind: 'failed-present',
          partition: op.partition,
          value: op.value,
          detail: `refused (${op.error ?? 'no detail'}) but in the final log at ${places[0].partition}@${places[0].offset}`,
        });
      }
    } else {
      unknown++;
      if (places !== undefined) unknownPresent++;
    }
  }

  let recordsRead = 0;
  let vanished = 0;
  let nonMonotonic = 0;
  let skipped = 0;
  const vanishedValues = new Set<string>();
  // Per consumer and partition: the last offset seen (reads of one process are sequential, in history order).
  const position = new Map<string, number>();
  for (const op of reads) {
    if (op.outcome !== 'ok') continue;
    const key = `${op.process}:${op.partition}`;
    for (const record of op.records) {
      recordsRead++;
      observe(op.partition, record.offset, record.value, `${op.process} reading broker ${op.broker}`);
      if (!finalPlaces.has(record.value) && !acknowledgedValues.has(record.value) && !vanishedValues.has(record.value)) {
        vanishedValues.add(record.value);
        vanished++;
        note({
          kind: 'vanished',
          partition: op.partition,
          offset: record.offset,
          value: record.value,
          detail: `read by ${op.process} from broker ${op.broker}, never acknowledged, not in the final log`,
        });
      }
      const last = position.get(key);
      if (last !== undefined && record.offset <= last) {
        nonMonotonic++;
        note({
          kind: 'non-monotonic',
          partition: op.partition,
          offset: record.offset,
          value: record.value,
          detail: `${op.process} read offset ${record.offset} from broker ${op.broker} after offset ${last}`,
        });
        continue;
      }
      const expected = last === undefined ? op.fromOffset : last + 1;
      if (record.offset > expected) {
        const missed = (final.get(op.partition) ?? []).filter((r) => r.offset >= expected && r.offset < record.offset).length;
        if (missed > 0) {
          skipped++;
          note({
            kind: 'skipped',
            partition: op.partition,
            offset: record.offset,
            detail: `${op.process} went from offset ${expected} to ${record.offset} (broker ${op.broker}), missing ${missed} record(s) of the final log`,
          });
        }
      }
      position.set(key, record.offset);
    }
  }

  const inconsistent = inconsistentAt.size;
  return {
    acknowledged,
    failed,
    unknown,
    unknownPresent,
    reads: reads.length,
    recordsRead,
    finalRecords,
    lost,
    vanished,
    inconsistent,
    nonMonotonic,
    skipped,
    failedPresent,
    duplicates,
    violations: lost + vanished + inconsistent + nonMonotonic + skipped + failedPresent,
    anomalies,
  };
}
