import { loadConfigOrExit } from '@shop/common';

/** RAFT_BENCH_SECONDS: length of each row of `npm run bench:raft`. */
export const benchConfig = loadConfigOrExit('raft-bench', (env) => ({
  secondsPerRow: env.int('RAFT_BENCH_SECONDS', { default: 5, min: 1, max: 60 }),
}));
