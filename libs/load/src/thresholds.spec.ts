import { evaluateThreshold, parseThreshold, ThresholdInputs } from './thresholds';

const inputs: ThresholdInputs = {
  latencyMs: (s) => (s === 99 ? 420 : s === 95 ? 180 : s === 'avg' ? 90 : s === 'max' ? 1500 : 50),
  requests: 10_000,
  errors: 5,
  rateLimited: 200,
  dropped: 0,
  ratePerS: 495,
};
const verdict = (e: string) => evaluateThreshold(parseThreshold(e), inputs);

describe('k6-like thresholds', () => {
  it('judges latency percentiles in ms or s', () => {
    expect(verdict('p99<500ms')).toEqual({ expression: 'p99<500ms', actual: 420, ok: true });
    expect(verdict('p(99)<0.4s').ok).toBe(false);
    expect(verdict('p95<=180').ok).toBe(true);
    expect(verdict('avg<100ms').ok).toBe(true);
    expect(verdict('max<1s').ok).toBe(false);
  });

  it('judges errors and 429s as a percentage of requests, and the achieved rate', () => {
    expect(verdict('errors<0.1%')).toEqual({ expression: 'errors<0.1%', actual: 0.05, ok: true });
    expect(verdict('errors<0.01%').ok).toBe(false);
    expect(verdict('rate_limited<1%').ok).toBe(false);
    expect(verdict('rate>=490').ok).toBe(true);
    expect(verdict('dropped==0').ok).toBe(true);
  });

  it('refuses what it cannot judge, naming it', () => {
    expect(() => parseThreshold('p99 under 500')).toThrow(/must look like/);
    expect(() => parseThreshold('latency<5')).toThrow(/unknown metric latency/);
    expect(() => parseThreshold('errors<5ms')).toThrow(/percentage/);
    expect(() => parseThreshold('p(0)<5')).toThrow(/percentile/);
  });
});
