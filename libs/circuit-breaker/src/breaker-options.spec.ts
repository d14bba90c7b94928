import { DEFAULT_BREAKER_OPTIONS } from '@shop/contracts';
import { optionsFor, parseBreakersConfig } from './breaker-options';

describe('config/gateway/breakers', () => {
  it('defaults to the seed: 5 s windows, 50 %, open for 5 s, with a minimum volume', () => {
    expect(DEFAULT_BREAKER_OPTIONS).toMatchObject({ rollingCountTimeout: 5000, errorThresholdPercentage: 50, resetTimeout: 5000, slowCallWindowMs: 5000, slowCallRateThreshold: 50 });
    expect(DEFAULT_BREAKER_OPTIONS.volumeThreshold).toBeGreaterThan(0);
  });

  it('per-service overrides apply over the (overridden) default', () => {
    const config = parseBreakersConfig({ default: { resetTimeout: 2000 }, payment: { slowCallMs: 500 } });
    expect(optionsFor(config, 'payment')).toMatchObject({ resetTimeout: 2000, slowCallMs: 500 });
    expect(optionsFor(config, 'order')).toMatchObject({ resetTimeout: 2000, slowCallMs: 1000 });
  });

  it.each([
    [[], /expected an object/],
    [{ default: { timeout: -1 } }, /timeout/],
    [{ default: { slowCallRateThreshold: 101 } }, /slowCallRateThreshold/],
    [{ default: { maxFailures: 3 } }, /unknown option/],
    [{ 'Bad Name': {} }, /service name/],
  ])('refuses %j', (raw, message) => {
    expect(() => parseBreakersConfig(raw)).toThrow(message);
  });
});
