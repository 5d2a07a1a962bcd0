/**
 * The storage of the history store's tiers (history-store.ts): a Ring holds `fields` Float32
 * values per slot for slots [start, end), at slot % capacity, and grows by doubling up to
 * `maxSlots`, so memory follows the history held; a Timeline holds one tier's slot timestamps.
 * Slots are written in ascending order; a write never goes back in time; skipped slots are NaN.
 */
const MIN_GROWN_SLOTS = 16;

/** A ring of `fields` values per slot for slots [start, end), stored at slot % capacity, grown on demand. */
export class Ring {
  data: Float32Array;
  start = 0;
  end = 0;

  constructor(
    readonly fields: number,
    readonly maxSlots: number,
  ) {
    this.data = new Float32Array(0);
  }

  get allocatedSlots(): number {
    return this.data.length / this.fields;
  }

  /** Writes `values` at `slot` (>= end - 1); slots skipped since the last write hold NaN. */
  put(slot: number, values: ArrayLike<number>): void {
    if (this.end === this.start) {
      this.start = slot;
      this.end = slot;
    }
    if (slot < this.end - 1) return; // never back in time
    if (slot >= this.end) {
      if (slot - this.end >= this.maxSlots) {
        this.start = slot;
        this.end = slot;
      }
      const newEnd = slot + 1;
      if (newEnd - this.start > this.maxSlots) this.start = newEnd - this.maxSlots;
      this.ensure(newEnd - this.start);
      for (let s = Math.max(this.end, this.start); s < slot; s++) this.fill(s, NaN);
      this.end = newEnd;
    }
    const at = (slot % this.allocatedSlots) * this.fields;
    for (let f = 0; f < this.fields; f++) this.data[at + f] = values[f];
  }

  get(slot: number, field: number): number {
    if (slot < this.start || slot >= this.end) return NaN;
    return this.data[(slot % this.allocatedSlots) * this.fields + field];
  }

  private fill(slot: number, value: number): void {
    const at = (slot % this.allocatedSlots) * this.fields;
    for (let f = 0; f < this.fields; f++) this.data[at + f] = value;
  }

  /** Room for `slots` slots: re-lays the held slots out modulo the new capacity. */
  private ensure(slots: number): void {
    const current = this.allocatedSlots;
    if (slots <= current) return;
    let next = Math.max(MIN_GROWN_SLOTS, current * 2);
    while (next < slots) next *= 2;
    next = Math.min(next, this.maxSlots);
    const grown = new Float32Array(next * this.fields);
    for (let s = this.start; s < this.end; s++) {
      const from = (s % current) * this.fields;
      const to = (s % next) * this.fields;
      for (let f = 0; f < this.fields; f++) grown[to + f] = this.data[from + f];
    }
    this.data = grown;
  }
}

/** Slot timestamps of one tier, for slots [start, end). */
export class Timeline {
  private readonly times: Float64Array;
  start = 0;
  end = 0;

  constructor(readonly capacity: number) {
    this.times = new Float64Array(capacity);
  }

  put(slot: number, timestamp: number): void {
    if (this.end === this.start || slot - this.end >= this.capacity) {
      this.start = slot;
      this.end = slot;
    }
    for (let s = this.end; s < slot; s++) this.times[s % this.capacity] = NaN;
    this.end = Math.max(this.end, slot + 1);
    if (this.end - this.start > this.capacity) this.start = this.end - this.capacity;
    this.times[slot % this.capacity] = timestamp;
  }

  at(slot: number): number {
    if (slot < this.start || slot >= this.end) return NaN;
    return this.times[slot % this.capacity];
  }
}
