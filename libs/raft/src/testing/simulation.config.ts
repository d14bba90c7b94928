/**
 * Settings of the seeded simulation, from the environment (the only file of the simulator that reads it):
 *   RAFT_SEEDS=<n>  run seeds 1..n (default 1000)
 *   RAFT_SEED=<n>   replay exactly seed n
 */
export interface SimulationConfig {
  readonly seeds: readonly number[];
}

export function loadSimulationConfig(env: NodeJS.ProcessEnv = process.env): SimulationConfig {
  const one = env.RAFT_SEED;
  if (one !== undefined && one !== '') return { seeds: [positiveInteger('RAFT_SEED', one)] };
  const count = env.RAFT_SEEDS ? positiveInteger('RAFT_SEEDS', env.RAFT_SEEDS) : 1000;
  return { seeds: Array.from({ length: count }, (_, k) => k + 1) };
}

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got '${raw}'`);
  return value;
}
