import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Entry, EntryType } from '../core/types';
import { FileWal } from './file-wal';
import { MemoryLogStorage } from './memory-storage';
import type { RaftLogStorage } from '../ports/raft-log-storage';

/** The `LogStore` / `StableStore` contract of ports.ts, checked against every implementation alike. */
const entry = (index: number, term: number): Entry => ({ index, term, type: EntryType.Normal, data: new Uint8Array([index, term]) });

const implementations: [string, () => Promise<{ storage: RaftLogStorage; cleanup: () => Promise<void> }>][] = [
  ['MemoryLogStorage', async () => ({ storage: new MemoryLogStorage(), cleanup: async () => undefined })],
  [
    'FileWal',
    async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'raft-contract-'));
      const storage = await FileWal.open(dir);
      return { storage, cleanup: async () => { await storage.close(); await fs.rm(dir, { recursive: true, force: true }); } };
    },
  ],
];

describe.each(implementations)('%s keeps the log store contract', (_name, make) => {
  let storage: RaftLogStorage;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ storage, cleanup } = await make()));
  afterEach(() => cleanup());

  it('starts empty: firstIndex is lastIndex + 1, and the hard state is zero', () => {
    expect([storage.firstIndex(), storage.lastIndex()]).toEqual([1, 0]);
    expect(storage.hardState()).toEqual({ term: 0, vote: '', commit: 0 });
  });

  it('returns what was appended, by half-open range', async () => {
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 2)], { sync: true });
    expect(storage.entries(2, 4)).toEqual([entry(2, 1), entry(3, 2)]);
    expect(() => storage.entries(0, 2)).toThrow(RangeError);
    expect(() => storage.entries(2, 5)).toThrow(RangeError);
  });

  it('Raft §5.3: an entry at a held index replaces it and everything after it', async () => {
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], { sync: true });
    await storage.append([entry(2, 3)], { sync: true });
    expect(storage.entries(1, storage.lastIndex() + 1)).toEqual([entry(1, 1), entry(2, 3)]);
  });

  it('refuses an append that would leave a gap', async () => {
    await storage.append([entry(1, 1)], { sync: true });
    await expect(storage.append([entry(3, 1)], { sync: true })).rejects.toThrow(RangeError);
    expect(storage.lastIndex()).toBe(1);
  });

  it('compaction drops the prefix; compaction past the end restarts the log after it', async () => {
    await storage.append([entry(1, 1), entry(2, 1), entry(3, 1)], { sync: true });
    await storage.compact(2);
    expect([storage.firstIndex(), storage.lastIndex()]).toEqual([3, 3]);
    await storage.compact(10);
    expect([storage.firstIndex(), storage.lastIndex()]).toEqual([11, 10]);
    await storage.append([entry(11, 4)], { sync: true });
    expect(storage.entries(11, 12)).toEqual([entry(11, 4)]);
  });

  it('keeps the hard state saved last', async () => {
    await storage.saveHardState({ term: 2, vote: 'n1', commit: 0 }, { sync: true });
    await storage.save({ hardState: { term: 3, vote: 'n2', commit: 1 }, entries: [entry(1, 3)], sync: true });
    expect(storage.hardState()).toEqual({ term: 3, vote: 'n2', commit: 1 });
  });
});
