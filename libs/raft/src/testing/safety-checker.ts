import { RaftStatus } from '../core/raft-node';
import { Entry, NodeId, Role } from '../core/types';

/** A broken Raft guarantee (Raft Figure 3); the simulator reports it with the seed that found it. */
export class SafetyViolation extends Error {
  constructor(
    readonly property: string,
    detail: string,
  ) {
    super(`${property}: ${detail}`);
    this.name = 'SafetyViolation';
  }
}

/** The parts of a node the checker reads. */
export interface ObservedNode {
  readonly status: RaftStatus;
  termAt(index: number): number | undefined;
}

/**
 * The five properties of Raft Figure 3, checked as the simulation runs:
 *  - Election Safety: at most one leader per term.
 *  - Leader Append-Only: a leader never overwrites or deletes entries in its log.
 *  - Log Matching: two logs with an entry of the same index and term are identical up to it.
 *  - Leader Completeness: an entry committed in a term is in the log of every leader of a later term.
 *  - State Machine Safety: no two nodes apply different entries at the same index.
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** Per (node, term) while leader: the last index seen and its term. */
  private readonly leaderTail = new Map<string, { lastIndex: number; lastTerm: number | undefined }>();
  /** (index, term) -> what the entry holds and the term before it: equal pairs imply equal prefixes. */
  private readonly entryIdentity = new Map<string, string>();
  /** Leader term -> the highest index that leader committed, with the entry's term. */
  private readonly commits = new Map<number, { index: number; term: number }>();
  /** Index -> the key applied there (State Machine Safety). */
  private readonly appliedKeys: string[] = [];

  /** Check what a node looks like after it handled an event. */
  observe(node: ObservedNode): void {
    const s = node.status;
    if (s.role !== Role.Leader) return;
    const holder = this.leaderOfTerm.get(s.term);
    if (holder !== undefined && holder !== s.id) {
      throw new SafetyViolation('Election Safety', `term ${s.term} has two leaders, ${holder} and ${s.id}`);
    }
    this.leaderOfTerm.set(s.term, s.id);

    const key = `${s.id}@${s.term}`;
    const tail = this.leaderTail.get(key);
    if (tail) {
      const now = node.termAt(tail.lastIndex);
      const compacted = tail.lastIndex < s.firstIndex;
      if (s.lastIndex < tail.lastIndex || (!compacted && now !== tail.lastTerm)) {
        throw new SafetyViolation(
          'Leader Append-Only',
          `leader ${s.id} of term ${s.term} changed index ${tail.lastIndex} (term ${tail.lastTerm} -> ${now}, last ${s.lastIndex})`,
        );
      }
    }
    this.leaderTail.set(key, { lastIndex: s.lastIndex, lastTerm: node.termAt(s.lastIndex) });

    for (const [commitTerm, commit] of this.commits) {
      if (commitTerm >= s.term || commit.index < s.firstIndex - 1) continue;
      if (s.lastIndex < commit.index || node.termAt(commit.index) !== commit.term) {
        throw new SafetyViolation(
          'Leader Completeness',
          `leader ${s.id} of term ${s.term} lacks entry ${commit.index} (term ${commit.term}) committed in term ${commitTerm}`,
        );
      }
    }
    const committedTerm = node.termAt(s.commitIndex);
    const known = this.commits.get(s.term);
    if (committedTerm !== undefined && (!known || known.index < s.commitIndex)) {
      this.commits.set(s.term, { index: s.commitIndex, term: committedTerm });
    }
  }

  /** Log Matching, checked on every entry a host persists: `prevTerm` is the term of the entry before it. */
  persisted(node: NodeId, entry: Entry, prevTerm: number | undefined, contentKey: string): void {
    const id = `${entry.index}/${entry.term}`;
    const identity = `${prevTerm}|${contentKey}`;
    const seen = this.entryIdentity.get(id);
    if (seen === undefined) this.entryIdentity.set(id, identity);
    else if (seen !== identity) {
      throw new SafetyViolation(
        'Log Matching',
        `node ${node} persisted entry ${entry.index} of term ${entry.term} as ${identity}, elsewhere it is ${seen}`,
      );
    }
  }

  /** State Machine Safety: `node` applied `key` at `index`. */
  applied(node: NodeId, index: number, key: string): void {
    const seen = this.appliedKeys[index - 1];
    if (seen === undefined) this.appliedKeys[index - 1] = key;
    else if (seen !== key) {
      throw new SafetyViolation('State Machine Safety', `node ${node} applied '${key}' at ${index}, another node '${seen}'`);
    }
  }

  leadersElected(): number {
    return this.leaderOfTerm.size;
  }
}
