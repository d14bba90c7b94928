import { loadConfigOrExit } from '@shop/common';

/**
 * ORDERS_BENCH_SECONDS: length of each concurrency row of `npm run bench:orders`;
 * ORDERS_BENCH_CONCURRENCY: the rows (comma-separated numbers of concurrent clients);
 * ORDERS_BENCH_RATE: the offered rate (orders per second) of the open-model row after them (0: no such row);
 * ORDERS_BENCH_MAX_OUTSTANDING: the bound on that row's orders in flight (an arrival beyond it is not sent);
 * ORDERS_BENCH_GATEWAY: the URL of an already running gateway (`npm run stack`) to send the orders through, with
 * its routing, rate limits and breakers; unset, the bench starts the three services itself and calls them directly.
 */
export const ordersBenchConfig = loadConfigOrExit('orders-bench', (env) => ({
  secondsPerRow: env.int('ORDERS_BENCH_SECONDS', { default: 5, min: 1, max: 120 }),
  concurrency: env.list('ORDERS_BENCH_CONCURRENCY', { default: ['1', '4', '16'] }).map((c) => {
    const n = Number(c);
    if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`ORDERS_BENCH_CONCURRENCY: ${c} is not an integer 1..256`);
    return n;
  }),
  rate: env.int('ORDERS_BENCH_RATE', { default: 100, min: 0, max: 2000 }),
  maxOutstanding: env.int('ORDERS_BENCH_MAX_OUTSTANDING', { default: 500, min: 1, max: 5000 }),
  gateway: env.url('ORDERS_BENCH_GATEWAY', { default: '', protocols: ['http:', 'https:'] }).replace(/\/+$/, ''),
}));
