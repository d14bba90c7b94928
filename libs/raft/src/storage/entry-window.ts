import { Entry } from '../core/types';

/**
 * The entries a log store holds in memory: a contiguous run after the compaction point. The index arithmetic
 * of the WAL, of its replay and of the in-memory store lives here once.
 */
export class EntryWindow {
  /** invariant: entries[k].index === compactedIndex + 1 + k */
  private entries: Entry[] = [];
  private compactedIndex = 0;

  /** The last index a snapshot covers: entries up to it are gone. */
  get compacted(): number {
    return this.compactedIndex;
  }

  firstIndex(): number {
    return this.compactedIndex + 1;
  }

  lastIndex(): number {
    return this.compactedIndex + this.entries.length;
  }

  /** Entries in [lo, hi); a RangeError when any of them is compacted or beyond the end. */
  slice(lo: number, hi: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(`entries [${lo}, ${hi}) outside the log [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    }
    return this.entries.slice(lo - this.firstIndex(), hi - this.firstIndex());
  }

  /** Why `entries` cannot be appended (a gap, a compacted index, not contiguous); null when they can. */
  checkAppend(entries: readonly Entry[]): RangeError | null {
    const first = entries[0];
    if (first === undefined) return null;
    if (first.index > this.lastIndex() + 1) return new RangeError(`entry ${first.index} would leave a gap after ${this.lastIndex()}`);
    if (first.index <= this.compactedIndex) return new RangeError(`entry ${first.index} is compacted`);
    for (let k = 1; k < entries.length; k++) {
      if (entries[k]!.index !== first.index + k) return new RangeError(`entries are not contiguous at ${entries[k]!.index}`);
    }
    return null;
  }

  /** Appends one entry that `checkAppend` accepted, replacing the suffix from its index (in place). */
  append(entry: Entry): void {
    if (entry.index <= this.lastIndex()) this.entries.length = entry.index - this.firstIndex();
    this.entries.push(entry);
  }

  /** Starts the window after `index` when it is empty (the entries before were compacted away). */
  startAfter(index: number): void {
    if (this.entries.length > 0) throw new Error(`entry ${index + 1} follows ${this.lastIndex()}: a gap in the log`);
    this.compactedIndex = index;
  }

  /** Forgets the entries up to `index`. */
  compact(index: number): void {
    if (index <= this.compactedIndex) return;
    this.entries = index >= this.lastIndex() ? [] : this.entries.slice(index - this.compactedIndex);
    this.compactedIndex = index;
  }
}
