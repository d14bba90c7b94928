import type { Entry, HardState } from '../core/types';
import type { LogStore } from './log-store';
import type { StableStore } from './stable-store';

/**
 * The log store and the stable store in one log, so that the Ready step "persist hard state and entries" costs one fsync.
 * `save` writes the hard state (when given) and the entries in that order, atomically with respect to a crash
 * only as far as a prefix is concerned: recovery may see the hard state without the entries, never the reverse
 * order. Concurrent calls are coalesced (group commit): many `save`s may share one fsync.
 */
export interface RaftLogStorage extends LogStore, StableStore {
  save(update: { hardState: HardState | null; entries: readonly Entry[]; sync: boolean }): Promise<void>;
  close(): Promise<void>;
}
