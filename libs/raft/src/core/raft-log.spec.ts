/**
 * Property-based tests of the log (docs/conventions.md: "Property-based tests ... for algorithms with invariants:
 * the Raft log"). A plain array of terms is the model; the RaftLog must agree with it after any sequence of
 * operations a follower or leader can perform.
 */
import fc from 'fast-check';
import { RaftLog } from './raft-log';
import { Entry, EntryType } from './types';

function entry(index: number, term: number, tag = ''): Entry {
  return { index, term, type: EntryType.Normal, data: new TextEncoder().encode(`${index}/${term}${tag}`) };
}

/** Terms that never decrease along a log, as in every real Raft log. */
const monotonicTerms = (maxLength: number) =>
  fc.array(fc.integer({ min: 0, max: 2 }), { maxLength }).map((steps) => {
    let term = 1;
    return steps.map((step) => (term += step));
  });

type Op =
  | { kind: 'append'; back: number; count: number; bump: number }
  | { kind: 'commit'; back: number }
  | { kind: 'apply' }
  | { kind: 'compact'; back: number }
  | { kind: 'stable' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), back: fc.nat(6), count: fc.integer({ min: 1, max: 5 }), bump: fc.nat(2) }),
  fc.record({ kind: fc.constant('commit' as const), back: fc.nat(4) }),
  fc.record({ kind: fc.constant('apply' as const) }),
  fc.record({ kind: fc.constant('compact' as const), back: fc.nat(3) }),
  fc.record({ kind: fc.constant('stable' as const) }),
);

describe('RaftLog (日志) properties', () => {
  test('§5.3 append truncates a conflicting suffix above the commit index and otherwise behaves like an array', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const log = new RaftLog();
        // The model: model[i] is the term at index i (model[0] unused); entries below `first` are compacted.
        let model: number[] = [0];
        let first = 1;
        let stable = 0;
        for (const o of ops) {
          const last = model.length - 1;
          if (o.kind === 'append') {
            const from = Math.max(log.committed + 1, last + 1 - o.back);
            const base = model[from - 1] ?? 0;
            const term = Math.max(base, model[last]) + o.bump;
            const entries = Array.from({ length: o.count }, (_, k) => entry(from + k, term));
            log.append(entries);
            model = model.slice(0, from).concat(entries.map((e) => e.term));
            stable = Math.min(stable, from - 1);
          } else if (o.kind === 'commit') {
            log.commitTo(Math.max(log.committed, last - o.back));
          } else if (o.kind === 'apply') {
            log.appliedTo(log.committed);
          } else if (o.kind === 'compact') {
            const index = log.applied - o.back;
            if (index >= first && index <= stable) {
              log.compact({ index, term: model[index], members: ['a'] }, new Uint8Array());
              first = index + 1;
            }
          } else {
            const unstable = log.unstableEntries();
            if (unstable.length > 0) {
              const tail = unstable[unstable.length - 1];
              log.stableTo(tail.index, tail.term);
              stable = tail.index;
            }
          }
          const lastIndex = model.length - 1;
          expect(log.lastIndex()).toBe(lastIndex);
          expect(log.firstIndex()).toBe(first);
          for (let i = first - 1; i <= lastIndex; i++) expect(log.term(i)).toBe(model[i]);
          expect(log.term(lastIndex + 1)).toBeUndefined();
          if (first > 1) expect(log.term(first - 2)).toBeUndefined();
          // invariants of the fields
          expect(log.applied).toBeLessThanOrEqual(log.committed);
          expect(log.committed).toBeLessThanOrEqual(lastIndex);
          expect(log.unstableEntries().map((e) => e.index)).toEqual(range(stable + 1, lastIndex));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('§5.3 findConflictByTerm returns the largest index at or below the given one whose term is at most the given term', () => {
    fc.assert(
      fc.property(monotonicTerms(40), fc.nat(45), fc.nat(90), (terms, index, term) => {
        const log = RaftLog.recover(null, terms.map((t, k) => entry(k + 1, t)), 0);
        const from = Math.min(index, terms.length);
        const hint = log.findConflictByTerm(from, term);
        expect(hint.index).toBeLessThanOrEqual(from);
        expect(hint.term).toBe(hint.index === 0 ? 0 : terms[hint.index - 1]);
        expect(hint.term).toBeLessThanOrEqual(term);
        for (let i = hint.index + 1; i <= from; i++) expect(terms[i - 1]).toBeGreaterThan(term);
      }),
    );
  });

  test('§5.3 maybeAppend accepts exactly when the previous entry matches, then holds the leader entries and keeps the committed prefix', () => {
    const logs = fc
      .tuple(monotonicTerms(30), fc.nat(30), fc.array(fc.nat(2), { maxLength: 20 }), fc.nat(30))
      .map(([leaderTerms, shared, divergentSteps, commit]) => {
        // Leader terms are even, the follower's own suffix odd: equal (index, term) means an equal entry.
        const leader = leaderTerms.map((t) => 2 * t);
        const prefix = leader.slice(0, Math.min(shared, leader.length));
        let term = (prefix[prefix.length - 1] ?? 0) + 1;
        const follower = prefix.concat(divergentSteps.map((s) => (term += 2 * s)));
        return { leader, follower, prefix: prefix.length, commit: Math.min(commit, prefix.length) };
      });
    fc.assert(
      fc.property(logs, fc.nat(30), fc.nat(10), fc.nat(40), ({ leader, follower, prefix, commit }, prevRaw, countRaw, leaderCommit) => {
        const log = RaftLog.recover(null, follower.map((t, k) => entry(k + 1, t)), commit);
        const prev = Math.min(prevRaw, leader.length);
        const count = Math.min(countRaw, leader.length - prev);
        const prevTerm = prev === 0 ? 0 : leader[prev - 1];
        const sent = range(prev + 1, prev + count).map((i) => entry(i, leader[i - 1]));
        const before = range(1, log.lastIndex()).map((i) => log.term(i));
        const matches = prev === 0 || follower[prev - 1] === prevTerm;
        const result = log.maybeAppend(prev, prevTerm, leaderCommit, sent);
        if (!matches) {
          expect(result).toBeNull();
          expect(range(1, log.lastIndex()).map((i) => log.term(i))).toEqual(before);
          return;
        }
        expect(result).toBe(prev + count);
        // Log Matching: up to the last new entry, the follower now equals the leader.
        for (let i = 1; i <= prev + count; i++) expect(log.term(i)).toBe(leader[i - 1]);
        // Committed entries never change (they are in the shared prefix).
        for (let i = 1; i <= commit; i++) expect(log.term(i)).toBe(before[i - 1]);
        // Entries after the new ones survive only if nothing conflicted.
        const conflicted = sent.some((e) => before[e.index - 1] !== e.term);
        if (!conflicted) expect(log.lastIndex()).toBe(Math.max(before.length, prev + count));
        else expect(log.lastIndex()).toBe(prev + count);
        expect(log.committed).toBe(Math.max(commit, Math.min(leaderCommit, prev + count)));
        expect(prefix).toBeGreaterThanOrEqual(commit);
      }),
    );
  });

  test('§5.4.1 isUpToDate orders logs by last term, then by length', () => {
    fc.assert(
      fc.property(monotonicTerms(20), fc.nat(25), fc.nat(50), (terms, lastIndex, lastTerm) => {
        const log = RaftLog.recover(null, terms.map((t, k) => entry(k + 1, t)), 0);
        const ourTerm = terms[terms.length - 1] ?? 0;
        const expected = lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= terms.length);
        expect(log.isUpToDate(lastIndex, lastTerm)).toBe(expected);
      }),
    );
  });

  test('§5.3 slice respects the entry and byte bounds and always returns at least one entry when there is one', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(300), { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 800 }), (sizes, maxCount, maxBytes) => {
        const entries = sizes.map((size, k) => ({ index: k + 1, term: 1, type: EntryType.Normal, data: new Uint8Array(size) }));
        const log = RaftLog.recover(null, entries, 0);
        const out = log.slice(1, entries.length + 1, maxCount, maxBytes);
        expect(out.length).toBeGreaterThanOrEqual(1);
        expect(out.length).toBeLessThanOrEqual(maxCount);
        expect(out.map((e) => e.index)).toEqual(range(1, out.length));
        const bytes = out.reduce((sum, e) => sum + e.data.byteLength + 24, 0);
        if (out.length > 1) expect(bytes).toBeLessThanOrEqual(maxBytes);
      }),
    );
  });

  test('§7 recover rejects a log with a gap and keeps only the entries after the snapshot', () => {
    expect(() => RaftLog.recover(null, [entry(1, 1), entry(3, 1)], 0)).toThrow(/not contiguous/);
    const snapshot = { metadata: { index: 2, term: 1, members: ['a'] }, data: new Uint8Array() };
    const log = RaftLog.recover(snapshot, [entry(1, 1), entry(2, 1), entry(3, 2)], 3);
    expect([log.firstIndex(), log.lastIndex(), log.term(2), log.term(1), log.applied]).toEqual([3, 3, 1, undefined, 2]);
  });
});

function range(lo: number, hi: number): number[] {
  return hi < lo ? [] : Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
}
