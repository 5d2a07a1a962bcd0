import { assert } from './errors';
import type { LogSegment } from './segment';

/**
 * The segments of one log, ordered by base offset; the last one is the active segment.
 * Invariants: never empty once the log is open; base offsets strictly increase.
 * Appending (roll) and removing from the front (retention) are O(1) amortized / O(n) with n the
 * segment count of one partition (hundreds at most); lookups are binary searches.
 */
export class SegmentSet {
  private readonly segments: LogSegment[] = [];

  get count(): number {
    return this.segments.length;
  }

  get first(): LogSegment {
    assert(this.segments.length > 0, 'segment set is empty');
    return this.segments[0];
  }

  get active(): LogSegment {
    assert(this.segments.length > 0, 'segment set is empty');
    return this.segments[this.segments.length - 1];
  }

  at(i: number): LogSegment {
    assert(i >= 0 && i < this.segments.length, () => `segment index ${i} out of range`);
    return this.segments[i];
  }

  /** A snapshot of all segments in offset order. */
  all(): readonly LogSegment[] {
    return this.segments.slice();
  }

  add(segment: LogSegment): void {
    const last = this.segments[this.segments.length - 1];
    assert(!last || segment.baseOffset > last.baseOffset, () => `segment ${segment.baseOffset} does not follow ${last?.baseOffset}`);
    this.segments.push(segment);
  }

  /** Index of the segment with the largest base offset <= offset, or -1. */
  floorIndex(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid].baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  floor(offset: number): LogSegment | undefined {
    const i = this.floorIndex(offset);
    return i < 0 ? undefined : this.segments[i];
  }

  /** The segment after `segment`, or undefined if it is the last (or gone). */
  next(segment: LogSegment): LogSegment | undefined {
    const i = this.floorIndex(segment.baseOffset);
    return i >= 0 && this.segments[i] === segment ? this.segments[i + 1] : undefined;
  }

  /** Exclusive offset bound of `segment`: the next segment's base, or `logEndOffset` for the last. */
  endOffsetOf(segment: LogSegment, logEndOffset: number): number {
    return this.next(segment)?.baseOffset ?? logEndOffset;
  }

  /** Puts `replacement` (same base offset) in the place of the closed segment at index `i` (compaction). */
  replaceAt(i: number, replacement: LogSegment): void {
    assert(i >= 0 && i < this.segments.length - 1, () => `segment index ${i} is not a closed segment`);
    assert(this.segments[i].baseOffset === replacement.baseOffset, 'a replacement keeps the base offset');
    this.segments[i] = replacement;
  }

  /** Removes and returns the first `n` segments. */
  removeFirst(n: number): LogSegment[] {
    assert(n < this.segments.length, 'the active segment is never removed from the front');
    return this.segments.splice(0, n);
  }

  /** Removes and returns every segment with base offset >= offset. */
  removeFrom(offset: number): LogSegment[] {
    const keep = this.floorIndex(offset - 1) + 1;
    return this.segments.splice(keep);
  }

  /** Removes and returns all segments. */
  clear(): LogSegment[] {
    return this.segments.splice(0);
  }
}
