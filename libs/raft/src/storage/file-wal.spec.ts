import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Entry, EntryType, HardState } from '../core/types';
import { crc32c } from './crc32c';
import { FileWal } from './file-wal';
import { WalCorruptionError } from './wal-record';

/** mulberry32: a tiny seeded PRNG, so that a failing iteration can be replayed from its seed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

function entry(index: number, term: number, text = `cmd-${index}-${term}`): Entry {
  return { index, term, type: EntryType.Normal, data: new Uint8Array(Buffer.from(text)) };
}

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'raft-wal-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(dirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

async function segmentFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.endsWith('.wal')).sort().map((n) => path.join(dir, n));
}

describe('crc32c', () => {
  it('matches the standard check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

describe('FileWal', () => {
  it('recovers hard state and entries after a reopen', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    const hardState: HardState = { term: 3, vote: 'n2', commit: 2 };
    await wal.save({ hardState, entries: [entry(1, 1), entry(2, 3)], sync: true });
    await wal.close();

    const reopened = await FileWal.open(dir);
    expect(reopened.hardState()).toEqual(hardState);
    expect(reopened.entries(1, 3)).toEqual([entry(1, 1), entry(2, 3)]);
    await reopened.close();
  });

  it('Raft §5.3: an appended conflicting entry replaces that entry and everything after it, also after replay', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    await wal.append([entry(1, 1), entry(2, 1), entry(3, 1)], { sync: true });
    await wal.append([entry(2, 2)], { sync: true });
    expect(wal.entries(1, wal.lastIndex() + 1)).toEqual([entry(1, 1), entry(2, 2)]);
    await wal.close();

    const reopened = await FileWal.open(dir);
    expect(reopened.entries(1, reopened.lastIndex() + 1)).toEqual([entry(1, 1), entry(2, 2)]);
    await reopened.close();
  });

  it('rotates segments at the size limit and deletes the segments a snapshot covers', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir, { segmentBytes: 300 });
    for (let i = 1; i <= 40; i++) await wal.append([entry(i, 1)], { sync: true });
    const before = (await segmentFiles(dir)).length;
    expect(before).toBeGreaterThan(5);

    await wal.compact(30);
    const after = (await segmentFiles(dir)).length;
    expect(after).toBeLessThan(before);
    expect(wal.stats.segmentsDeleted).toBe(before - after);
    expect(wal.firstIndex()).toBe(31);
    await wal.close();

    const reopened = await FileWal.open(dir, { snapshotIndex: 30 });
    expect(reopened.firstIndex()).toBe(31);
    expect(reopened.entries(31, 41)).toEqual(Array.from({ length: 10 }, (_, k) => entry(31 + k, 1)));
    await reopened.close();
  });

  it('restarts the log after an installed snapshot that is ahead of it', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    await wal.append([entry(1, 1), entry(2, 1)], { sync: true });
    await wal.compact(100);
    await wal.append([entry(101, 5)], { sync: true });
    await wal.close();

    const reopened = await FileWal.open(dir, { snapshotIndex: 100 });
    expect(reopened.firstIndex()).toBe(101);
    expect(reopened.entries(101, 102)).toEqual([entry(101, 5)]);
    await reopened.close();
  });

  it('refuses to start when the log was compacted past the snapshot it is given', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    await wal.append([entry(1, 1), entry(2, 1), entry(3, 1)], { sync: true });
    await wal.compact(2);
    await wal.close();
    await expect(FileWal.open(dir, { snapshotIndex: 1 })).rejects.toThrow(/missing/);
  });

  it('group commit: many concurrent appends share far fewer fsyncs, and all of them survive', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    await Promise.all(Array.from({ length: 500 }, (_, k) => wal.append([entry(k + 1, 1)], { sync: true })));
    expect(wal.stats.saves).toBe(500);
    expect(wal.stats.fsyncs).toBeLessThanOrEqual(5);
    await wal.close();

    const reopened = await FileWal.open(dir);
    expect(reopened.lastIndex()).toBe(500);
    await reopened.close();
  });

  it('a write without sync is not fsynced by itself', async () => {
    const dir = await tempDir();
    const wal = await FileWal.open(dir);
    await wal.saveHardState({ term: 1, vote: '', commit: 0 }, { sync: false });
    expect(wal.stats.fsyncs).toBe(0);
    await wal.close();
  });
});

/**
 * The crash model: every `sync` save that resolved is durable; a crash can cut the newest segment anywhere after
 * the last fsync (a torn write). We write with small segments, then cut or corrupt the files the way a crash or
 * a failing disk would, and check what recovery returns against a model of what was written.
 */
describe('FileWal crash recovery (seeded)', () => {
  const ITERATIONS = 150;
  // Each iteration writes a real log with fsyncs: a generous harness limit, not a timed assertion.
  jest.setTimeout(120_000);

  interface Written {
    /** The model log after each save, and where that save ended in which segment. */
    steps: { log: Entry[]; hardState: HardState; file: string; end: number }[];
  }

  async function writeRandomLog(dir: string, random: (n: number) => number): Promise<Written> {
    const wal = await FileWal.open(dir, { segmentBytes: 200 + random(400) });
    const steps: Written['steps'] = [];
    let log: Entry[] = [];
    let hardState: HardState = { term: 0, vote: '', commit: 0 };
    const saves = 5 + random(40);
    for (let s = 0; s < saves; s++) {
      const term = hardState.term + (random(4) === 0 ? 1 : 0);
      if (term !== hardState.term || random(3) === 0) hardState = { term, vote: `n${random(3)}`, commit: random(log.length + 1) };
      // Sometimes overwrite a suffix, as a follower does when a new leader's log conflicts with its own.
      const start = log.length > 0 && random(5) === 0 ? 1 + random(log.length) : log.length + 1;
      const entries = Array.from({ length: 1 + random(3) }, (_, k) => entry(start + k, Math.max(1, term), 'x'.repeat(random(60))));
      await wal.save({ hardState, entries, sync: true });
      log = [...log.slice(0, start - 1), ...entries];
      const files = await segmentFiles(dir);
      const file = files[files.length - 1]!;
      steps.push({ log, hardState, file, end: (await fs.stat(file)).size });
    }
    await wal.close();
    return { steps };
  }

  async function recover(dir: string): Promise<{ log: Entry[]; hardState: HardState }> {
    const wal = await FileWal.open(dir);
    const log = wal.entries(wal.firstIndex(), wal.lastIndex() + 1);
    const hardState = wal.hardState();
    await wal.close();
    return { log, hardState };
  }

  it('a torn tail of the newest segment is truncated: nothing half-written comes back, nothing fsynced is lost', async () => {
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const random = prng(seed);
      const dir = await tempDir();
      const { steps } = await writeRandomLog(dir, random);
      const files = await segmentFiles(dir);
      const newest = files[files.length - 1]!;
      const size = (await fs.stat(newest)).size;
      const cut = random(size + 1);
      await fs.truncate(newest, cut);

      // The saves that survive the cut whole: every save into an older segment, and those that ended before it.
      const survivors = steps.filter((step) => step.file !== newest || step.end <= cut);
      const expected = survivors[survivors.length - 1];
      const recovered = await recover(dir);
      const context = `seed ${seed}: cut ${newest} at ${cut} of ${size}`;
      if (expected === undefined) {
        expect({ context, log: recovered.log }).toEqual({ context, log: [] });
        continue;
      }
      // A save cut in the middle may leave its first records (a prefix of that save): never a partial record.
      const next = steps[survivors.length];
      const allowed = [expected.log, ...(next ? prefixesOfSave(expected.log, next.log) : [])];
      expect({ context, ok: allowed.some((log) => sameLog(log, recovered.log)) }).toEqual({ context, ok: true });
      // Recovery truncated the torn bytes, so a second recovery sees the same and appends after it.
      expect((await recover(dir)).log).toEqual(recovered.log);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a corrupted byte is refused with the file and offset, unless it lies in the last record (a torn write)', async () => {
    let refused = 0;
    for (let seed = 1; seed <= ITERATIONS; seed++) {
      const random = prng(10_000 + seed);
      const dir = await tempDir();
      const { steps } = await writeRandomLog(dir, random);
      const files = await segmentFiles(dir);
      const target = files[random(files.length)]!;
      const bytes = await fs.readFile(target);
      const at = random(bytes.length);
      bytes[at] = bytes[at]! ^ (1 + random(255));
      await fs.writeFile(target, bytes);
      const context = `seed ${10_000 + seed}: flipped byte ${at} of ${target}`;

      const fullLog = steps[steps.length - 1]!.log;
      try {
        const recovered = await recover(dir);
        // Accepted only as a torn write of the newest segment's last record: at most the newest save is lost.
        const previous = steps[steps.length - 2]?.log ?? [];
        const allowed = [fullLog, previous, ...prefixesOfSave(previous, fullLog)];
        expect({ context, newest: target === files[files.length - 1] }).toEqual({ context, newest: true });
        expect({ context, ok: allowed.some((log) => sameLog(log, recovered.log)) }).toEqual({ context, ok: true });
      } catch (error) {
        if (!(error instanceof WalCorruptionError)) throw new Error(`${context}: ${String(error)}`, { cause: error });
        expect(error.file).toBe(target);
        expect(error.offset).toBeLessThanOrEqual(at);
        expect(error.message).toContain(target);
        refused++;
      }
      await fs.rm(dir, { recursive: true, force: true });
    }
    // Most flips land in the middle of the log and must be refused, not silently dropped.
    expect(refused).toBeGreaterThan(ITERATIONS / 2);
  });

  it('a cut in a segment that was already complete is corruption, not a torn tail', async () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = prng(20_000 + seed);
      const dir = await tempDir();
      await writeRandomLog(dir, random);
      const files = await segmentFiles(dir);
      if (files.length < 2) continue;
      const target = files[random(files.length - 1)]!;
      const size = (await fs.stat(target)).size;
      await fs.truncate(target, random(size));
      await expect(recover(dir)).rejects.toThrow(WalCorruptionError);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

function sameLog(a: readonly Entry[], b: readonly Entry[]): boolean {
  return a.length === b.length && a.every((e, k) => e.index === b[k]!.index && e.term === b[k]!.term && Buffer.from(e.data).equals(Buffer.from(b[k]!.data)));
}

/** The logs seen part-way through replaying the save that turned `before` into `after` (one entry at a time). */
function prefixesOfSave(before: readonly Entry[], after: readonly Entry[]): Entry[][] {
  let common = 0;
  while (common < before.length && common < after.length && before[common] === after[common]) common++;
  const added = after.slice(common);
  return added.map((_, k) => [...after.slice(0, common), ...added.slice(0, k + 1)]);
}
