import type { Row } from './record-data';

/**
 * Merging partitions' windows of records into one page by timestamp (ties by partition, then
 * offset), keeping each partition's offset order, and the positions of the next pages. Pure, so
 * it is the same on every page load.
 */
export interface Window {
  partition: number;
  /** In offset order. */
  rows: Row[];
  /** The first offset the window covers. */
  start: number;
  /** The offset after the window. */
  end: number;
  /** Records exist at or after `end`. */
  more: boolean;
  /** Records exist before `start`. */
  hasOlder: boolean;
}

export interface Merged {
  rows: Row[];
  /** `from=` positions of the next newer page, null when nothing is newer. */
  newer: Map<number, number> | null;
  /** `before=` positions of the next older page, null when nothing is older. */
  older: Map<number, number> | null;
}

const earlier = (a: Row, b: Row) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset;

/** The oldest `limit` records from each window's start, in time order. */
export function mergeForward(windows: Window[], limit: number): Merged {
  const taken = windows.map(() => 0);
  const rows: Row[] = [];
  while (rows.length < limit) {
    let best = -1;
    let blocked = false;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      if (taken[i] >= w.rows.length) {
        // Its next record is unread and may be older than every other candidate.
        if (w.more) blocked = true;
        continue;
      }
      if (best < 0 || earlier(w.rows[taken[i]], windows[best].rows[taken[best]]) < 0) best = i;
    }
    if (best < 0 || blocked) break;
    rows.push(windows[best].rows[taken[best]++]);
  }
  const newer = new Map<number, number>();
  const older = new Map<number, number>();
  let anyNewer = false;
  let anyOlder = false;
  windows.forEach((w, i) => {
    const rest = taken[i] < w.rows.length;
    newer.set(w.partition, rest ? w.rows[taken[i]].offset : w.end);
    anyNewer ||= rest || w.more;
    older.set(w.partition, w.start);
    anyOlder ||= w.hasOlder;
  });
  return { rows, newer: anyNewer ? newer : null, older: anyOlder ? older : null };
}

/** The newest `limit` records below each window's end, newest first. */
export function mergeBackward(windows: Window[], limit: number): Merged {
  const left = windows.map((w) => w.rows.length);
  const rows: Row[] = [];
  while (rows.length < limit) {
    let best = -1;
    let blocked = false;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i];
      if (left[i] <= 0) {
        if (w.hasOlder) blocked = true;
        continue;
      }
      if (best < 0 || earlier(w.rows[left[i] - 1], windows[best].rows[left[best] - 1]) > 0) best = i;
    }
    if (best < 0 || blocked) break;
    rows.push(windows[best].rows[--left[best]]);
  }
  const newer = new Map<number, number>();
  const older = new Map<number, number>();
  let anyNewer = false;
  let anyOlder = false;
  windows.forEach((w, i) => {
    const takenAny = left[i] < w.rows.length;
    older.set(w.partition, takenAny ? w.rows[left[i]].offset : w.end);
    anyOlder ||= left[i] > 0 || w.hasOlder;
    newer.set(w.partition, w.end);
    anyNewer ||= w.more;
  });
  return { rows, newer: anyNewer ? newer : null, older: anyOlder ? older : null };
}
