import type { InitialState, RaftConfig, RaftNode } from '../core/raft-node';
import type { Message } from '../core/types';
import { Prng } from './prng';

/**
 * The shape of a run's faults, drawn per seed (FAULT_PROFILE_WEIGHTS) unless given:
 *  - random: every fault at random rates, aimed at the leader more or less often;
 *  - leader-churn: five nodes, one entry per message, and leaders deposed (crashed or cut off alone) right after
 *    they won, or while their newest entries have reached only a minority. This makes the leadership bounce
 *    between nodes with different uncommitted suffixes: the sequence of Raft Figure 8.
 */
export type FaultProfile = 'random' | 'leader-churn';

/** Out of 100 seeds, how many run each profile. */
export const FAULT_PROFILE_WEIGHTS: Readonly<Record<FaultProfile, number>> = { random: 75, 'leader-churn': 25 };

/** How hostile one simulated run is. Each field is drawn from the seed unless given. */
export interface SimulationOptions {
  readonly seed: number;
  readonly profile?: FaultProfile;
  /** Cluster size; default 3 or 5 (5 under leader-churn). */
  readonly nodes?: number;
  /** Virtual milliseconds of faults before everything heals. */
  readonly faultMs?: number;
  /** Virtual milliseconds allowed after healing for a leader to emerge and every node to catch up. */
  readonly convergeMs?: number;
  /** Rewrites every message in flight: only for testing that the checker notices a broken protocol. */
  readonly corrupt?: (msg: Message) => Message;
  /** Builds each node's core: only for testing that the checker notices a broken core (a fault-injected subclass). */
  readonly createNode?: (config: RaftConfig, initial: InitialState) => RaftNode;
}

export interface SimulationResult {
  readonly seed: number;
  readonly profile: FaultProfile;
  readonly nodes: number;
  readonly events: number;
  readonly proposals: number;
  readonly acknowledged: number;
  readonly reads: number;
  readonly crashes: number;
  readonly partitions: number;
  readonly pauses: number;
  /** Leaders crashed or cut off by the leader-churn profile. */
  readonly deposals: number;
  readonly snapshotsInstalled: number;
  readonly leadersElected: number;
  readonly virtualMs: number;
}

/** A failed run: which seed, and how to replay it. */
export class SimulationFailure extends Error {
  constructor(
    readonly seed: number,
    override readonly cause: unknown,
    readonly atMs: number,
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`seed ${seed} failed at ${atMs} ms (virtual): ${reason}\nreplay with RAFT_SEED=${seed}`);
    this.name = 'SimulationFailure';
    if (cause instanceof Error && cause.stack) this.stack = `${this.stack}\ncaused by ${cause.stack}`;
  }
}

/** The profile of a seed, from its own generator so that the run's draws are the same whatever the profile. */
export function drawProfile(seed: number): FaultProfile {
  const roll = new Prng(seed ^ 0x5f3759df).int(100);
  return roll < FAULT_PROFILE_WEIGHTS['leader-churn'] ? 'leader-churn' : 'random';
}
