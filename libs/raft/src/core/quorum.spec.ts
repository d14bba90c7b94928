import fc from 'fast-check';
import { majorityIndex, quorumSize, tallyVotes, VoteResult } from './quorum';

describe('quorum (Raft §5.2, §5.3)', () => {
  test('§5.3 the commit point is the highest index that a majority of voters store', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: 1, maxLength: 9 }), (matches) => {
        const index = majorityIndex(matches);
        const quorum = quorumSize(matches.length);
        expect(matches.filter((m) => m >= index).length).toBeGreaterThanOrEqual(quorum);
        // Nothing higher is on a majority.
        expect(matches.filter((m) => m >= index + 1).length).toBeLessThan(quorum);
      }),
    );
  });

  test('§5.2 any two majorities share a voter', () => {
    for (let n = 1; n <= 9; n++) expect(2 * quorumSize(n)).toBeGreaterThan(n);
  });

  test('§5.2 a vote is won with a majority of grants and lost once a majority is out of reach', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(true, false, undefined), { minLength: 1, maxLength: 9 }), (answers) => {
        const voters = answers.map((_, k) => `n${k}`);
        const votes = new Map<string, boolean>();
        answers.forEach((answer, k) => {
          if (answer !== undefined) votes.set(voters[k], answer);
        });
        const granted = answers.filter((a) => a === true).length;
        const open = answers.filter((a) => a === undefined).length;
        const quorum = quorumSize(voters.length);
        const expected = granted >= quorum ? VoteResult.Won : granted + open < quorum ? VoteResult.Lost : VoteResult.Pending;
        expect(tallyVotes(voters, votes)).toBe(expected);
      }),
    );
  });
});
