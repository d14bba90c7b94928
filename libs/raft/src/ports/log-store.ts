import type { Entry } from '../core/types';

/**
 * The log (the seed's 日志) on durable storage.
 *
 * Contract:
 * - `append` stores entries whose indexes are contiguous and start at most at `lastIndex() + 1`. An entry
 *   whose index is already held replaces that entry and every entry after it (Raft §5.3: a follower deletes a
 *   conflicting entry and all that follow it).
 * - Once the promise of a `sync` write resolves, the entries survive a crash of the process or the machine.
 *   A write without `sync` may be lost by a crash, but never reordered before an earlier write.
 * - `entries(lo, hi)` returns `[lo, hi)` from what was appended and not compacted; it never touches the disk.
 * - `compact(i)` forgets entries up to and including `i` (they are covered by a snapshot); the disk space may
 *   be freed later, in whole segments.
 */
export interface LogStore {
  /** Index of the first entry held; `lastIndex() + 1` when none is held. */
  firstIndex(): number;
  /** Index of the last entry held; the compaction point when none is held. */
  lastIndex(): number;
  entries(lo: number, hi: number): Entry[];
  append(entries: readonly Entry[], opts: { sync: boolean }): Promise<void>;
  compact(index: number): Promise<void>;
}
