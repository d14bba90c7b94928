import { bucketPerSecond, linePath, niceCeil, deltasFromCounters, stateSegments } from './series-math';

describe('chart arithmetic', () => {
  it('buckets points into the seconds of the window and drops older ones', () => {
    const now = 100_500;
    const points = [
      { t: 100_100, admitted: 3, rejected: 1 },
      { t: 100_900, admitted: 2, rejected: 0 }, // same second as the first
      { t: 99_000, admitted: 5, rejected: 5 },
      { t: 40_000, admitted: 9, rejected: 9 }, // older than 60 s
    ];
    const { admitted, rejected } = bucketPerSecond(points, now, 60);
    expect(admitted).toHaveLength(60);
    expect(admitted[59]).toBe(5);
    expect(rejected[59]).toBe(1);
    expect(admitted[58]).toBe(5);
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('rounds an axis up to 1, 2 or 5 times a power of ten', () => {
    expect([0, 1, 3, 7, 10, 11, 180, 501].map(niceCeil)).toEqual([1, 1, 5, 10, 10, 20, 200, 1000]);
  });

  it('draws 0 at the bottom and the maximum at the top', () => {
    expect(linePath([0, 10], 100, 50, 10)).toBe('M0,50 L100,0');
    expect(linePath([], 100, 50, 10)).toBe('');
  });

  it('turns breaker transitions into segments that cover the window', () => {
    const samples = [
      { t: 0, state: 'CLOSED' },
      { t: 20, state: 'OPEN' },
      { t: 25, state: 'OPEN' },
      { t: 30, state: 'HALF_OPEN' },
      { t: 31, state: 'CLOSED' },
    ];
    expect(stateSegments(samples, 10, 60)).toEqual([
      { from: 10, to: 20, state: 'CLOSED' },
      { from: 20, to: 30, state: 'OPEN' },
      { from: 30, to: 31, state: 'HALF_OPEN' },
      { from: 31, to: 60, state: 'CLOSED' },
    ]);
  });

  it('does not invent a state before the first sample', () => {
    expect(stateSegments([{ t: 40, state: 'OPEN' }], 0, 60)).toEqual([{ from: 40, to: 60, state: 'OPEN' }]);
    expect(stateSegments([], 0, 60)).toEqual([]);
  });

  it('derives counts per interval from cumulative counters, restarting after a reset', () => {
    const readings = [
      { t: 0, admitted: 10, rejected: 0 },
      { t: 2000, admitted: 30, rejected: 4 },
      { t: 3000, admitted: 5, rejected: 1 },
    ];
    expect(deltasFromCounters(readings)).toEqual([
      { t: 2000, admitted: 20, rejected: 4 },
      { t: 3000, admitted: 5, rejected: 1 },
    ]);
  });
});
