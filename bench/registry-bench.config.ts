import { loadConfigOrExit } from '@shop/common';

/** REGISTRY_BENCH_SECONDS: length of each row of `npm run bench:registry`; ETCD_BIN: the etcd binary to compare with. */
export const registryBenchConfig = loadConfigOrExit('registry-bench', (env) => ({
  secondsPerRow: env.int('REGISTRY_BENCH_SECONDS', { default: 5, min: 1, max: 60 }),
  etcdBinary: env.string('ETCD_BIN', { default: 'etcd' }),
}));
