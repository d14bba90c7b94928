import { Entry, HardState, Snapshot } from '../core/types';
import { RaftLogStorage, SnapshotStore } from './ports';

/** In-memory log and stable store for tests: the same contract as `FileWal`, durable only while the process lives. */
export class MemoryLogStorage implements RaftLogStorage {
  /** invariant: log[k].index === compactedIndex + 1 + k */
  private log: Entry[] = [];
  private compactedIndex = 0;
  private state: HardState = { term: 0, vote: '', commit: 0 };

  firstIndex(): number {
    return this.compactedIndex + 1;
  }

  lastIndex(): number {
    return this.compactedIndex + this.log.length;
  }

  entries(lo: number, hi: number): Entry[] {
    if (lo < this.firstIndex() || hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(`entries [${lo}, ${hi}) outside the log [${this.firstIndex()}, ${this.lastIndex() + 1})`);
    }
    return this.log.slice(lo - this.firstIndex(), hi - this.firstIndex());
  }

  hardState(): HardState {
    return this.state;
  }

  async append(entries: readonly Entry[]): Promise<void> {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) throw new RangeError(`entry ${first.index} would leave a gap after ${this.lastIndex()}`);
    if (first.index <= this.compactedIndex) throw new RangeError(`entry ${first.index} is compacted`);
    if (entries.some((entry, k) => entry.index !== first.index + k)) throw new RangeError('entries are not contiguous');
    this.log.length = first.index - this.firstIndex();
    this.log.push(...entries);
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.state = hardState;
  }

  async save(update: { hardState: HardState | null; entries: readonly Entry[] }): Promise<void> {
    if (update.hardState !== null) this.state = update.hardState;
    await this.append(update.entries);
  }

  async compact(index: number): Promise<void> {
    if (index <= this.compactedIndex) return;
    this.log = index >= this.lastIndex() ? [] : this.log.slice(index - this.compactedIndex);
    this.compactedIndex = index;
  }

  async close(): Promise<void> {}
}

/** In-memory snapshot store for tests. */
export class MemorySnapshotStore implements SnapshotStore {
  private snapshots: Snapshot[] = [];

  async save(snapshot: Snapshot): Promise<void> {
    this.snapshots = [...this.snapshots, snapshot].sort((a, b) => a.metadata.index - b.metadata.index).slice(-2);
  }

  async latest(): Promise<{ snapshot: Snapshot | null; rejected: { file: string; reason: string }[] }> {
    return { snapshot: this.snapshots[this.snapshots.length - 1] ?? null, rejected: [] };
  }

  async list(): Promise<{ index: number; term: number }[]> {
    return this.snapshots.map((s) => ({ index: s.metadata.index, term: s.metadata.term }));
  }
}
