import { BlockingCursor } from './blocking-cursor';
import { parseInstances, sameInstances } from './instances';
import { LiveConfigValue, stableJson } from './live-config';

interface Limits {
  maxPerSecond: number;
}
const parseLimits = (raw: unknown): Limits => {
  const v = raw as Limits;
  if (typeof v !== 'object' || v === null || !Number.isInteger(v.maxPerSecond) || v.maxPerSecond <= 0) throw new Error('maxPerSecond must be a positive integer');
  return { maxPerSecond: v.maxPerSecond };
};

describe('LiveConfigValue', () => {
  const warnings: Record<string, unknown>[] = [];
  const logger = { warn: (_msg: string, fields: Record<string, unknown>) => warnings.push(fields) };
  beforeEach(() => (warnings.length = 0));

  it('starts at the defaults and takes a valid value, telling its listeners once', () => {
    const live = new LiveConfigValue('config/x', parseLimits, { maxPerSecond: 10 }, logger);
    const seen: Limits[] = [];
    live.onChange((v) => seen.push(v));
    expect(live.get()).toEqual({ maxPerSecond: 10 });
    expect(live.accept({ maxPerSecond: 50 }, false)).toBe(true);
    expect(live.accept({ maxPerSecond: 50 }, false)).toBe(false);
    expect(live.get()).toEqual({ maxPerSecond: 50 });
    expect(seen).toEqual([{ maxPerSecond: 50 }]);
  });

  it('logs an invalid value and keeps the previous one', () => {
    const live = new LiveConfigValue('config/x', parseLimits, { maxPerSecond: 10 }, logger);
    live.accept({ maxPerSecond: 50 }, false);
    expect(live.accept({ maxPerSecond: -1 }, false)).toBe(false);
    expect(live.accept('garbage', false)).toBe(false);
    expect(live.get()).toEqual({ maxPerSecond: 50 });
    expect(warnings).toEqual([
      expect.objectContaining({ key: 'config/x', error: 'maxPerSecond must be a positive integer' }),
      expect.objectContaining({ key: 'config/x' }),
    ]);
  });

  it('goes back to the defaults when the key is deleted', () => {
    const live = new LiveConfigValue('config/x', parseLimits, { maxPerSecond: 10 }, logger);
    live.accept({ maxPerSecond: 50 }, false);
    expect(live.accept(undefined, true)).toBe(true);
    expect(live.get()).toEqual({ maxPerSecond: 10 });
  });

  it('survives a listener that throws, and unsubscribes', () => {
    const live = new LiveConfigValue('config/x', parseLimits, { maxPerSecond: 10 }, logger);
    const seen: number[] = [];
    live.onChange(() => {
      throw new Error('bad listener');
    });
    const off = live.onChange((v) => seen.push(v.maxPerSecond));
    live.accept({ maxPerSecond: 2 }, false);
    off();
    live.accept({ maxPerSecond: 3 }, false);
    expect(seen).toEqual([2]);
    expect(live.get().maxPerSecond).toBe(3);
  });

  it('compares values by content, whatever the key order', () => {
    expect(stableJson({ a: 1, b: { d: 2, c: 3 } })).toBe(stableJson({ b: { c: 3, d: 2 }, a: 1 }));
  });
});

describe('BlockingCursor (Consul #7939: an index never goes backwards)', () => {
  it('moves forward with each answer', () => {
    const c = new BlockingCursor();
    expect(c.advance(10)).toBe(false);
    expect(c.index).toBe(10);
    expect(c.advance(12)).toBe(false);
    expect(c.index).toBe(12);
  });

  it('resets to 0 when an answer comes back with a lower index, and asks for a pause', () => {
    const c = new BlockingCursor();
    c.advance(100);
    expect(c.advance(40)).toBe(true);
    expect(c.index).toBe(0);
  });

  it('asks for a pause when the index did not move, so that a watcher never spins', () => {
    const c = new BlockingCursor();
    c.advance(7);
    expect(c.advance(7)).toBe(true);
    expect(c.advance(Number.NaN)).toBe(true);
    expect(c.index).toBe(0);
  });
});

describe('instance lists', () => {
  it('accepts a well-formed list and drops non-string metadata', () => {
    expect(parseInstances([{ id: 'i1', address: '10.0.0.1', port: 3001, meta: { zone: 'a', n: 1 } }])).toEqual([
      { id: 'i1', address: '10.0.0.1', port: 3001, meta: { zone: 'a' } },
    ]);
  });

  it('refuses a malformed answer instead of emptying the cache', () => {
    expect(parseInstances({ error: { code: 'x' } })).toBeNull();
    expect(parseInstances([{ id: 'i1', address: '10.0.0.1', port: '3001' }])).toBeNull();
  });

  it('compares lists regardless of order', () => {
    const a = { id: 'a', address: 'h', port: 1, meta: { z: '1', y: '2' } };
    const b = { id: 'b', address: 'h', port: 2, meta: {} };
    expect(sameInstances([a, b], [b, { ...a, meta: { y: '2', z: '1' } }])).toBe(true);
    expect(sameInstances([a, b], [a, { ...b, port: 3 }])).toBe(false);
    expect(sameInstances([a], [a, b])).toBe(false);
  });
});
