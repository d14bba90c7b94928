import { NodeId } from './types';

/** Raft §5.2, §5.3: a majority of the voters (n/2 + 1), so that any two majorities share a node. */
export function quorumSize(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/**
 * Raft §5.3: the highest index that a majority of voters have stored. With matches [7, 5, 9] the sorted
 * order is 9, 7, 5 and the quorum (2) reaches 7: two nodes store index 7 or more.
 */
export function majorityIndex(matchIndexes: readonly number[]): number {
  if (matchIndexes.length === 0) throw new Error('majorityIndex: no voters');
  const descending = [...matchIndexes].sort((a, b) => b - a);
  return descending[quorumSize(matchIndexes.length) - 1];
}

export enum VoteResult {
  Pending = 'pending',
  Won = 'won',
  Lost = 'lost',
}

/** Raft §5.2: a candidate wins with a majority of grants, loses once a majority can no longer be reached. */
export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  let granted = 0;
  let rejected = 0;
  for (const voter of voters) {
    const vote = votes.get(voter);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  const quorum = quorumSize(voters.length);
  if (granted >= quorum) return VoteResult.Won;
  if (rejected > voters.length - quorum) return VoteResult.Lost;
  return VoteResult.Pending;
}
