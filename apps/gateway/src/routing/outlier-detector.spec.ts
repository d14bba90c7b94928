import { DEFAULT_OUTLIER_POLICY, mayEject, OutlierPolicy, OutlierState } from './outlier-detector';

const policy: OutlierPolicy = { consecutiveGatewayFailures: 3, baseEjectionMs: 10_000, maxEjectionMs: 25_000, maxEjectionPercent: 50, intervalMs: 10_000 };

/** Records `n` gateway failures at `now` on an instance of a service of `total` with `ejectedOthers` out. */
const fail = (s: OutlierState, n: number, now: number, ejectedOthers = 0, total = 2) => {
  let until: number | undefined;
  for (let i = 0; i < n; i++) until = s.recordGatewayFailure(policy, now, ejectedOthers, total) ?? until;
  return until;
};

describe('outlier detection per instance (after Envoy)', () => {
  it('ejects an instance after N consecutive gateway failures, for the base ejection time', () => {
    const s = new OutlierState();
    expect(fail(s, 2, 1000)).toBeUndefined();
    expect(s.isEjected(1000)).toBe(false);
    expect(fail(s, 1, 1000)).toBe(11_000);
    expect(s.isEjected(10_999)).toBe(true);
    expect(s.isEjected(11_000)).toBe(false);
  });

  it('an answer in between ends the run: failures must be consecutive', () => {
    const s = new OutlierState();
    fail(s, 2, 0);
    s.recordSuccess();
    expect(fail(s, 2, 0)).toBeUndefined();
    expect(s.isEjected(0)).toBe(false);
  });

  it('ejection time is the base times the number of ejections, capped at the maximum', () => {
    const s = new OutlierState();
    expect(fail(s, 3, 0)).toBe(10_000);
    // back at 10 s, fails again at once: second ejection, 20 s
    expect(fail(s, 3, 10_000)).toBe(30_000);
    // third: 30 s capped at 25 s
    expect(fail(s, 3, 30_000)).toBe(55_000);
  });

  it('each interval spent in service takes one off the multiplier', () => {
    const s = new OutlierState();
    fail(s, 3, 0); // out until 10 s, multiplier 1
    fail(s, 3, 10_000); // out until 30 s, multiplier 2
    // back at 30 s; two intervals in service (to 50 s): multiplier 0, so the next ejection is the base again
    expect(fail(s, 3, 50_000)).toBe(60_000);
    expect(s.totalEjections).toBe(3);
  });

  it('never ejects the last instance in service, nor more than maxEjectionPercent (but always one of two or more)', () => {
    expect(mayEject(policy, 0, 1)).toBe(false);
    expect(mayEject(policy, 0, 2)).toBe(true);
    expect(mayEject(policy, 1, 2)).toBe(false);
    expect(mayEject(policy, 1, 4)).toBe(true); // 2 of 4 = 50 %
    expect(mayEject(policy, 2, 4)).toBe(false); // 3 of 4
    expect(mayEject({ ...policy, maxEjectionPercent: 10 }, 0, 3)).toBe(true);
    const only = new OutlierState();
    expect(fail(only, 10, 0, 0, 1)).toBeUndefined();
    expect(only.isEjected(0)).toBe(false);
  });

  it('the defaults: three failures, 10 s, at most half of a service', () => {
    expect(DEFAULT_OUTLIER_POLICY).toMatchObject({ consecutiveGatewayFailures: 3, baseEjectionMs: 10_000, maxEjectionPercent: 50 });
  });
});
