import type { HardState } from '../core/types';

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
