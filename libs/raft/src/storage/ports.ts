import { Entry, HardState, Snapshot } from '../core/types';

/**
 * The storage ports of the host, named as in hashicorp/raft. Each contract below is what the host relies on
 * for safety; an implementation that breaks one can lose acknowledged writes.
 */

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

/**
 * The persistent state of Raft Figure 2: current term (the seed's 任期), the vote of that term (投票), and the
 * commit index (so that a restarted node can apply what it knew to be committed without waiting for a leader).
 *
 * Contract: after a `sync` save resolves, `hardState()` returns that value after any crash. A node that forgets
 * its vote can vote twice in one term: the one rule that elects two leaders (the seed's 脑裂).
 */
export interface StableStore {
  hardState(): HardState;
  saveHardState(hardState: HardState, opts: { sync: boolean }): Promise<void>;
}

/**
 * Both of the above in one log, so that the Ready step "persist hard state and entries" costs one fsync.
 * `save` writes the hard state (when given) and the entries in that order, atomically with respect to a crash
 * only as far as a prefix is concerned: recovery may see the hard state without the entries, never the reverse
 * order. Concurrent calls are coalesced (group commit): many `save`s may share one fsync.
 */
export interface RaftLogStorage extends LogStore, StableStore {
  save(update: { hardState: HardState | null; entries: readonly Entry[]; sync: boolean }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Snapshots of the state machine (Raft §7).
 *
 * Contract:
 * - `save` is atomic: after a crash either the new snapshot is complete and listed, or it does not exist. Once
 *   the promise resolves it survives a crash. The store keeps the newest few (at least 2) and deletes older ones.
 * - `latest` returns the newest snapshot whose checksum holds; one that fails is reported in `rejected` (the
 *   caller logs it) and the next older one is used, which is why the WAL is only compacted up to the older of
 *   the kept snapshots.
 */
export interface SnapshotStore {
  save(snapshot: Snapshot): Promise<void>;
  latest(): Promise<{ snapshot: Snapshot | null; rejected: readonly { file: string; reason: string }[] }>;
  /** Index and term of every kept snapshot, oldest first. */
  list(): Promise<{ index: number; term: number }[]>;
}
