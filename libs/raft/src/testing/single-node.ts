import { InitialState, RaftConfig, RaftNode } from '../core/raft-node';
import { Message } from '../core/types';
import { Prng } from './prng';

export const THREE = ['1', '2', '3'];
export const FIVE = ['1', '2', '3', '4', '5'];

/** A node '1' of a three-node cluster (unless overridden), driven by hand-made messages in unit tests. */
export function singleNode(overrides: Partial<RaftConfig> = {}, initial?: InitialState, seed = overrides.id ? Number(overrides.id) : 1): RaftNode {
  const rng = new Prng(seed);
  return new RaftNode(
    { id: '1', peers: THREE, electionTick: 10, heartbeatTick: 1, random: (n) => rng.int(n), ...overrides },
    initial,
  );
}

/** Runs one turn of the host loop and returns what the node sent. */
export function takeMessages(r: RaftNode): Message[] {
  if (!r.hasReady()) return [];
  const rd = r.ready();
  r.advance(rd);
  return [...rd.messages];
}
