import { Entry, Snapshot, SnapshotMetadata } from './types';

/** Rough wire size of an entry, for the per-message byte bound. */
export function entrySize(entry: Entry): number {
  return entry.data.byteLength + 24;
}

/**
 * The in-memory Raft log of one node (the seed's 日志): a snapshot boundary followed by entries, split into a
 * stable prefix (the host has persisted it) and an unstable suffix (handed out in the next Ready).
 *
 *   index:      1   2   3 | 4   5   6   7   8
 *               compacted | snapshot at 3 (term 1)
 *                           [4   5   6]  [7   8]
 *                            stable       unstable (unstableFrom = 7)
 *                           committed = 6, applied = 5
 */
export class RaftLog {
  // invariant: entries[k].index === snapshotIndex + 1 + k
  private entries: Entry[] = [];
  private snapshotIndex = 0;
  private snapshotTerm = 0;
  /** The highest index known to be stored on a majority (Raft Figure 2, commitIndex). */
  // invariant: snapshotIndex <= committed <= lastIndex()
  committed = 0;
  /** The highest index the host has applied (Raft Figure 2, lastApplied). */
  // invariant: applied <= committed
  applied = 0;
  /** First index not yet persisted by the host. */
  // invariant: snapshotIndex + 1 <= unstableFrom <= lastIndex() + 1
  private unstableFrom = 1;
  /** The latest snapshot: sent to followers whose next entry was compacted away. */
  snapshot: Snapshot | null = null;
  /** A snapshot received from the leader that the host has yet to persist and restore. */
  pendingSnapshot: Snapshot | null = null;

  /** Rebuild the log from what the host persisted. */
  static recover(snapshot: Snapshot | null, entries: readonly Entry[], commit: number, applied?: number): RaftLog {
    const log = new RaftLog();
    if (snapshot) {
      log.snapshot = snapshot;
      log.snapshotIndex = snapshot.metadata.index;
      log.snapshotTerm = snapshot.metadata.term;
    }
    // The host may hand back entries its snapshot already covers; skip them.
    const after = entries.filter((e) => e.index > log.snapshotIndex);
    after.forEach((entry, k) => {
      if (entry.index !== log.snapshotIndex + 1 + k) {
        throw new Error(`RaftLog.recover: entries are not contiguous after the snapshot at index ${log.snapshotIndex}`);
      }
    });
    log.entries = [...after];
    log.unstableFrom = log.lastIndex() + 1;
    if (commit > log.lastIndex()) throw new Error(`RaftLog.recover: commit ${commit} beyond last index ${log.lastIndex()}`);
    log.committed = Math.max(commit, log.snapshotIndex);
    log.applied = Math.min(Math.max(applied ?? log.snapshotIndex, log.snapshotIndex), log.committed);
    return log;
  }

  firstIndex(): number {
    return this.snapshotIndex + 1;
  }

  lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) as number;
  }

  /** The term of the entry at `index`: undefined when compacted away (below the snapshot) or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex()) return undefined;
    return this.entries[index - this.snapshotIndex - 1].term;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Raft §5.4.1: a log is more up to date if its last term is higher, or the terms tie and it is longer. */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries in [lo, hi), at most `maxCount` of them and about `maxBytes` (always at least one). */
  slice(lo: number, hi: number, maxCount = Infinity, maxBytes = Infinity): Entry[] {
    if (lo < this.firstIndex()) throw new Error(`RaftLog.slice: index ${lo} is compacted (first index ${this.firstIndex()})`);
    const end = Math.min(hi, this.lastIndex() + 1, lo + maxCount);
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < end; i++) {
      const entry = this.entries[i - this.snapshotIndex - 1];
      bytes += entrySize(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /**
   * The index of the first entry of `entries` that is not in this log (a different term at its index, or
   * beyond the end); 0 when all are present. Raft §5.3: "If an existing entry conflicts with a new one (same
   * index but different terms), delete the existing entry and all that follow it".
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * Fast backtracking: the largest index <= `index` whose term is <= `term`, with that term. Every entry
   * above it has a term greater than `term`, so none can match the other log's entry of `term`.
   *
   *   idx      1 2 3 4 5 6 7
   *   leader   1 1 1 4 4 5 5     leader probes prev (7, term 5)
   *   follower 1 1 1 2 2 2 3     follower answers hint (7, term 3)
   *   leader: findConflictByTerm(7, 3) = (3, 1): the next probe is prev (3, term 1), which matches.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const ours = this.term(i);
      if (ours === undefined) return { index: i, term: 0 };
      if (ours <= term) return { index: i, term: ours };
    }
    return { index: 0, term: 0 };
  }

  /**
   * Raft §5.3, the AppendEntries receiver: if our log has `prevTerm` at `prevIndex`, add the entries (after
   * truncating a conflicting suffix) and commit up to min(leaderCommit, last new entry). Returns the last new
   * index, or null when the consistency check fails.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    if (conflict !== 0) {
      if (conflict <= this.committed) {
        throw new Error(`RaftLog: entry ${conflict} conflicts with committed entry ${this.committed} (safety violation)`);
      }
      this.append(entries.slice(conflict - prevIndex - 1));
    }
    this.commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  /** Append entries that start at most one past the end, replacing the suffix from `entries[0].index`. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const from = entries[0].index;
    if (from <= this.committed) throw new Error(`RaftLog.append: would overwrite committed index ${from}`);
    if (from > this.lastIndex() + 1) throw new Error(`RaftLog.append: gap before index ${from}`);
    // Truncate in place: copying the whole in-memory log on every append made the leader's appends O(log size).
    const keep = from - this.snapshotIndex - 1;
    if (keep < this.entries.length) this.entries.length = keep;
    for (const entry of entries) this.entries.push(entry);
    this.unstableFrom = Math.min(this.unstableFrom, from);
    return this.lastIndex();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) throw new Error(`RaftLog.commitTo: ${index} is beyond the last index ${this.lastIndex()}`);
    this.committed = index;
  }

  hasUnstableEntries(): boolean {
    return this.unstableFrom <= this.lastIndex();
  }

  /** Entries the host has not persisted yet. */
  unstableEntries(): Entry[] {
    return this.entries.slice(this.unstableFrom - this.snapshotIndex - 1);
  }

  /** The host persisted everything up to `index` (whose entry had `term` when handed out). A later truncation
   *  replaced that entry when the term no longer matches; then the new entry is still unstable. */
  stableTo(index: number, term: number): void {
    if (index >= this.unstableFrom && this.matchTerm(index, term)) this.unstableFrom = index + 1;
  }

  /** Committed entries not yet handed to the host for applying, at most `max`. */
  nextCommitted(max: number): Entry[] {
    const from = Math.max(this.applied, this.snapshotIndex) + 1;
    if (from > this.committed) return [];
    return this.slice(from, this.committed + 1, max);
  }

  hasNextCommitted(): boolean {
    return this.committed > Math.max(this.applied, this.snapshotIndex);
  }

  appliedTo(index: number): void {
    if (index > this.committed) throw new Error(`RaftLog.appliedTo: ${index} is beyond the commit index ${this.committed}`);
    this.applied = Math.max(this.applied, index);
  }

  /** Raft §7, InstallSnapshot receiver: discard the whole log and continue from the snapshot. */
  restore(snapshot: Snapshot): void {
    this.entries = [];
    this.snapshotIndex = snapshot.metadata.index;
    this.snapshotTerm = snapshot.metadata.term;
    this.committed = snapshot.metadata.index;
    this.unstableFrom = snapshot.metadata.index + 1;
    this.snapshot = snapshot;
    this.pendingSnapshot = snapshot;
  }

  /** Raft §7: the host snapshotted its applied state at `metadata.index`; forget the entries it covers. */
  compact(metadata: SnapshotMetadata, data: Uint8Array): void {
    if (metadata.index <= this.snapshotIndex) return;
    if (metadata.index > this.applied) throw new Error(`RaftLog.compact: index ${metadata.index} is not applied yet`);
    if (this.term(metadata.index) !== metadata.term) throw new Error(`RaftLog.compact: wrong term for index ${metadata.index}`);
    this.entries = this.entries.slice(metadata.index - this.snapshotIndex);
    this.snapshotIndex = metadata.index;
    this.snapshotTerm = metadata.term;
    this.unstableFrom = Math.max(this.unstableFrom, metadata.index + 1);
    this.snapshot = { metadata, data };
  }
}
