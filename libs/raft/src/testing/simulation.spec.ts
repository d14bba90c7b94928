/**
 * The whole protocol under a hostile, seeded world (docs/raft.md, "The checklist of tests"). Each seed draws a fault
 * profile (random, or leader-churn for a quarter of the seeds), a cluster of 3 or 5 nodes, drop and duplicate
 * rates, crash rates, clock skew and flow-control limits, then runs 1.5 s (3 s under leader-churn) of faults
 * (virtual time) and up to 6 s of healing. Safety is checked after every event; liveness and durability at the
 * end. RAFT_SEEDS=<n> runs n seeds; RAFT_SEED=<n> replays one.
 */
import { loadSimulationConfig } from './simulation.config';
import { Message, MessageType } from '../core/types';
import { Figure8BugRaftNode } from './figure8-bug';
import { FAULT_PROFILE_WEIGHTS, SimulationFailure, SimulationOptions, SimulationResult } from './simulation-options';
import { runSimulation } from './simulator';

/** Runs seeds 1..count until one fails; returns that failure, or null. */
function firstFailure(count: number, options: Omit<SimulationOptions, 'seed'>): SimulationFailure | null {
  for (let seed = 1; seed <= count; seed++) {
    try {
      runSimulation({ ...options, seed });
    } catch (error) {
      if (!(error instanceof SimulationFailure)) throw error;
      return error;
    }
  }
  return null;
}

const { seeds } = loadSimulationConfig();

describe('Raft under a seeded simulation', () => {
  test(`Figure 3: Election Safety, Leader Append-Only, Log Matching, Leader Completeness and State Machine Safety hold at every step, and every acknowledged proposal survives (${seeds.length} seeds)`, () => {
    const failures: string[] = [];
    const results: SimulationResult[] = [];
    for (const seed of seeds) {
      try {
        results.push(runSimulation({ seed }));
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error;
        failures.push(error.message);
        // A few failing seeds are enough to debug; do not spend the CI minutes on the rest.
        if (failures.length >= 3) break;
      }
    }
    expect(failures).toEqual([]);
    // The faults really happened: a run without crashes, partitions or acknowledged writes proves nothing.
    const total = (field: keyof SimulationResult) => results.reduce((sum, r) => sum + (r[field] as number), 0);
    if (seeds.length >= 100) {
      expect(total('crashes')).toBeGreaterThan(seeds.length);
      expect(total('partitions')).toBeGreaterThan(seeds.length);
      expect(total('snapshotsInstalled')).toBeGreaterThan(seeds.length / 10);
      expect(total('acknowledged')).toBeGreaterThan(seeds.length * 10);
      expect(total('leadersElected')).toBeGreaterThan(seeds.length * 2);
      const churn = results.filter((r) => r.profile === 'leader-churn');
      expect(churn.length).toBeGreaterThan((seeds.length * FAULT_PROFILE_WEIGHTS['leader-churn']) / 200);
      expect(churn.reduce((sum, r) => sum + r.deposals, 0)).toBeGreaterThan(churn.length * 5);
    }
  });

  test('a broken protocol is caught and reported with the seed that replays it', () => {
    // Every vote request is answered with a grant, whatever the voter's term, vote or log.
    const corrupt = (m: Message): Message =>
      m.type === MessageType.VoteResponse || m.type === MessageType.PreVoteResponse ? { ...m, reject: false } : m;
    const failures: string[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      try {
        runSimulation({ seed, corrupt });
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatch(/^seed \d+ failed at \d+ ms \(virtual\): (Election Safety|Leader Completeness|State Machine Safety|Log Matching)/);
    expect(failures[0]).toMatch(/replay with RAFT_SEED=\d+/);
  });

  test('Figure 8: a core that commits an earlier term\'s entry by counting replicas is caught within 200 seeds, by the leader-churn profile', () => {
    const failure = firstFailure(200, { createNode: (config, initial) => new Figure8BugRaftNode(config, initial) });
    expect(failure).not.toBeNull();
    expect(failure?.message).toMatch(/^seed \d+ failed at \d+ ms \(virtual\): (Leader Completeness|State Machine Safety)/);
    expect(failure?.message).toMatch(/replay with RAFT_SEED=\d+/);
    // The seed replays the failure, and the same seed passes with the correct core.
    const seed = (failure as SimulationFailure).seed;
    expect(() => runSimulation({ seed, createNode: (config, initial) => new Figure8BugRaftNode(config, initial) })).toThrow(failure?.message);
    expect(runSimulation({ seed }).profile).toBe('leader-churn');
  });

  test('RAFT_SEEDS sets how many seeds run and RAFT_SEED replays one', () => {
    expect(loadSimulationConfig({}).seeds.length).toBe(1000);
    expect(loadSimulationConfig({ RAFT_SEEDS: '3' }).seeds).toEqual([1, 2, 3]);
    expect(loadSimulationConfig({ RAFT_SEEDS: '3', RAFT_SEED: '4242' }).seeds).toEqual([4242]);
    expect(() => loadSimulationConfig({ RAFT_SEED: 'abc' })).toThrow(/RAFT_SEED must be a positive integer/);
  });

  test('the same seed replays exactly the same run', () => {
    expect(runSimulation({ seed: 7 })).toEqual(runSimulation({ seed: 7 }));
  });
});
