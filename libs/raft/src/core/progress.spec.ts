import fc from 'fast-check';
import { Inflights, Progress, ProgressState } from './progress';

describe('flow control (Progress, Inflights)', () => {
  test('§5.3 the in-flight window is a bounded queue freed by acknowledgements', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.oneof(fc.constant({ kind: 'add' as const, ack: 0 }), fc.record({ kind: fc.constant('ack' as const), ack: fc.nat(60) }), fc.constant({ kind: 'first' as const, ack: 0 })), { maxLength: 80 }),
        (capacity, ops) => {
          const window = new Inflights(capacity);
          let model: number[] = [];
          let next = 1;
          for (const o of ops) {
            if (o.kind === 'add') {
              if (model.length === capacity) {
                expect(() => window.add(next)).toThrow(/full/);
                continue;
              }
              window.add(next);
              model.push(next);
              next += 1 + (next % 3);
            } else if (o.kind === 'ack') {
              window.freeLE(o.ack);
              model = model.filter((i) => i > o.ack);
            } else {
              window.freeFirstOne();
              model = model.slice(1);
            }
            expect(window.size).toBe(model.length);
            expect(window.full()).toBe(model.length === capacity);
          }
        },
      ),
    );
  });

  test('§5.3 whatever the answers, a follower progress keeps match < next and never moves match back', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('ack' as const), index: fc.nat(50) }),
      fc.record({ kind: fc.constant('reject' as const), index: fc.nat(50), hint: fc.nat(50) }),
      fc.record({ kind: fc.constant('send' as const), count: fc.nat(4) }),
      fc.record({ kind: fc.constant('state' as const), to: fc.constantFrom(ProgressState.Probe, ProgressState.Replicate, ProgressState.Snapshot) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const pr = new Progress(1, 4);
        let match = 0;
        for (const o of ops) {
          if (o.kind === 'ack') pr.maybeUpdate(o.index);
          else if (o.kind === 'reject') pr.maybeDecrTo(o.index, o.hint);
          else if (o.kind === 'send') {
            if (!pr.isPaused()) pr.sentEntries(o.count, pr.next - 1 + o.count);
          } else if (o.to === ProgressState.Probe) pr.becomeProbe();
          else if (o.to === ProgressState.Replicate) pr.becomeReplicate();
          else pr.becomeSnapshot(pr.match + 5);
          expect(pr.match).toBeLessThan(pr.next);
          expect(pr.match).toBeGreaterThanOrEqual(match);
          match = pr.match;
        }
      }),
    );
  });
});
