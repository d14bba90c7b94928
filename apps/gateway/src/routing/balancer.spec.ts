import fc from 'fast-check';
import { LeastOutstandingBalancer, RoundRobinBalancer, WeightedBalancer } from './balancer';

const instances = (weights: number[]) => weights.map((weight, i) => ({ id: i, weight, outstanding: 0 }));

describe('balancers (负载均衡)', () => {
  it('round robin: over k x n picks each instance gets exactly k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 20 }), (n, k) => {
        const list = instances(Array(n).fill(1));
        const b = new RoundRobinBalancer<(typeof list)[number]>();
        const counts = Array(n).fill(0);
        for (let i = 0; i < n * k; i++) counts[b.pick(list)!.id]++;
        expect(counts).toEqual(Array(n).fill(k));
      }),
    );
  });

  it('smooth weighted round robin: over any sum(weights) consecutive picks, each gets exactly its weight', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 0, max: 30 }), (weights, skip) => {
        const list = instances(weights);
        const b = new WeightedBalancer<(typeof list)[number]>();
        for (let i = 0; i < skip; i++) b.pick(list);
        const total = weights.reduce((a, w) => a + w, 0);
        const counts = Array(weights.length).fill(0);
        for (let i = 0; i < total; i++) counts[b.pick(list)!.id]++;
        expect(counts).toEqual(weights);
      }),
    );
  });

  it('smooth weighted round robin interleaves (5,1,1 -> a a b a c a a), rather than runs', () => {
    const list = instances([5, 1, 1]);
    const b = new WeightedBalancer<(typeof list)[number]>();
    expect(Array.from({ length: 7 }, () => 'abc'[b.pick(list)!.id]).join(' ')).toBe('a a b a c a a');
  });

  it('least outstanding picks the instance with the fewest requests in flight, ties in turn', () => {
    const list = instances([1, 1, 1]);
    const b = new LeastOutstandingBalancer<(typeof list)[number]>();
    list[0]!.outstanding = 3;
    list[1]!.outstanding = 1;
    list[2]!.outstanding = 2;
    expect(b.pick(list)!.id).toBe(1);
    list.forEach((i) => (i.outstanding = 0));
    expect([b.pick(list)!.id, b.pick(list)!.id, b.pick(list)!.id].sort()).toEqual([0, 1, 2]);
  });

  it('a retry never goes back to the instance that failed, unless it is the only one', () => {
    const list = instances([1, 1, 1]);
    for (const b of [new RoundRobinBalancer<(typeof list)[number]>(), new WeightedBalancer<(typeof list)[number]>(), new LeastOutstandingBalancer<(typeof list)[number]>()]) {
      for (let i = 0; i < 10; i++) expect(b.pick(list, list[1])!.id).not.toBe(1);
      expect(b.pick([list[0]!], list[0])!.id).toBe(0);
      expect(b.pick([])).toBeUndefined();
    }
  });
});
