import { Entry, HardState, Snapshot } from '../core/types';
import { EntryWindow } from './entry-window';
import type { RaftLogStorage } from '../ports/raft-log-storage';
import type { SnapshotStore } from '../ports/snapshot-store';

/** In-memory log and stable store for tests: the same contract as `FileWal`, durable only while the process lives. */
export class MemoryLogStorage implements RaftLogStorage {
  private readonly window = new EntryWindow();
  private state: HardState = { term: 0, vote: '', commit: 0 };

  firstIndex(): number {
    return this.window.firstIndex();
  }

  lastIndex(): number {
    return this.window.lastIndex();
  }

  entries(lo: number, hi: number): Entry[] {
    return this.window.slice(lo, hi);
  }

  hardState(): HardState {
    return this.state;
  }

  async append(entries: readonly Entry[]): Promise<void> {
    const invalid = this.window.checkAppend(entries);
    if (invalid) throw invalid;
    for (const entry of entries) this.window.append(entry);
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.state = hardState;
  }

  async save(update: { hardState: HardState | null; entries: readonly Entry[] }): Promise<void> {
    if (update.hardState !== null) this.state = update.hardState;
    await this.append(update.entries);
  }

  async compact(index: number): Promise<void> {
    this.window.compact(index);
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
