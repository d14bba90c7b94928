import { RaftNode } from '../core/raft-node';

/**
 * FAULT INJECTION, FOR TESTS ONLY: a core with the bug of Raft §5.4.2 (Figure 8). Its leader commits any entry
 * stored on a majority, whatever its term, so an entry of an earlier term can be "committed" and then overwritten
 * by a later leader. simulation.spec.ts runs the simulator against it to prove the simulator finds the bug.
 */
export class Figure8BugRaftNode extends RaftNode {
  protected override commitsByCounting(): boolean {
    return true;
  }
}
