import { arrivalTimesMs, parseStages, stageArrivals } from './arrival-schedule';

describe('the open model arrival schedule', () => {
  it('spaces a constant rate exactly: 500/s for 2 s is 1000 arrivals 2 ms apart', () => {
    const times = [...arrivalTimesMs([{ durationS: 2, from: 500, to: 500 }])];
    expect(times).toHaveLength(1000);
    expect(times[0]).toBeCloseTo(2, 9);
    expect(times[999]).toBeCloseTo(2000, 9);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(2, 6);
  });

  it('ramps linearly: 0 to 100/s over 10 s promises 500 arrivals, a quarter of them in the first half', () => {
    const times = [...arrivalTimesMs([{ durationS: 10, from: 0, to: 100 }])];
    expect(times).toHaveLength(500);
    expect(times.filter((t) => t <= 5000)).toHaveLength(125);
    expect(times.every((t, i) => i === 0 || t > times[i - 1]!)).toBe(true);
  });

  it('chains stages without a gap or a burst at the joins, a ramp down included', () => {
    const stages = parseStages('1s@0-100,2s@100,1s@100-0');
    expect(stages.map(stageArrivals)).toEqual([50, 200, 50]);
    const times = [...arrivalTimesMs(stages)];
    expect(times).toHaveLength(300);
    const inSteady = times.filter((t) => t > 1000 && t <= 3000);
    expect(inSteady).toHaveLength(200);
    expect(times.at(-1)).toBeLessThanOrEqual(4000);
  });

  it('refuses stages it cannot keep', () => {
    expect(() => parseStages('30s at 500')).toThrow(/must look like/);
    expect(() => [...arrivalTimesMs([{ durationS: 0, from: 1, to: 1 }])]).toThrow(/duration/);
    expect(() => [...arrivalTimesMs([{ durationS: 1, from: -1, to: 1 }])]).toThrow(/rate/);
  });
});
