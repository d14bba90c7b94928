import { readSeries } from './console-api';

describe('reading the gateway series', () => {
  it('reads per-policy points and turns breaker transitions into samples that start from the first "from"', () => {
    const series = readSeries({
      intervalMs: 1000,
      policies: { orders: [{ t: 1000, admitted: 3, rejected: 1 }] },
      breakerTransitions: [
        { name: 'payment', from: 'closed', to: 'open', reason: 'slow-calls', at: 5000 },
        { name: 'payment', from: 'open', to: 'half-open', reason: 'reset-timeout', at: 10000 },
      ],
    });
    expect(series.policies.get('orders')).toEqual([{ t: 1000, admitted: 3, rejected: 1 }]);
    expect(series.breakers.get('payment')).toEqual([
      { t: 0, state: 'CLOSED' },
      { t: 5000, state: 'OPEN' },
      { t: 10000, state: 'HALF_OPEN' },
    ]);
  });
});
