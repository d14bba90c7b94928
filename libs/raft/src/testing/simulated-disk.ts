import { InitialState } from '../core/raft-node';
import { Entry, HardState, Ready, Snapshot } from '../core/types';

/**
 * What a host keeps on disk, in memory: exactly the contents of the Readies it acknowledged. Used by the tests
 * and the simulator to restart a node with what survived a crash.
 */
export class SimulatedDisk {
  hardState: HardState = { term: 0, vote: '', commit: 0 };
  snapshot: Snapshot | null = null;
  /** The log after the snapshot. */
  // invariant: entries[k].index === (snapshot?.metadata.index ?? 0) + 1 + k
  entries: Entry[] = [];

  /** Step 1 of the Ready protocol: make `rd`'s snapshot, entries and hard state durable. */
  persist(rd: Ready): void {
    if (rd.snapshot) {
      // The core dropped its whole log when it restored the snapshot; so does the disk.
      this.snapshot = rd.snapshot;
      this.entries = [];
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index;
      const keep = first - this.firstIndex();
      if (keep < 0 || keep > this.entries.length) {
        throw new Error(`SimulatedDisk: entries from ${first} do not attach to a log ending at ${this.lastIndex()}`);
      }
      this.entries = this.entries.slice(0, keep).concat(rd.entries);
    }
    if (rd.hardState) this.hardState = rd.hardState;
  }

  /** The host took a snapshot at `snapshot.metadata.index`: the entries it covers can go. */
  compact(snapshot: Snapshot): void {
    const drop = snapshot.metadata.index - this.firstIndex() + 1;
    if (drop <= 0) return;
    this.entries = this.entries.slice(drop);
    this.snapshot = snapshot;
  }

  firstIndex(): number {
    return (this.snapshot?.metadata.index ?? 0) + 1;
  }

  lastIndex(): number {
    return this.firstIndex() - 1 + this.entries.length;
  }

  term(index: number): number | undefined {
    const snapshotIndex = this.firstIndex() - 1;
    if (index === snapshotIndex) return this.snapshot?.metadata.term ?? 0;
    return this.entries[index - snapshotIndex - 1]?.term;
  }

  initialState(): InitialState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }
}
