import { promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import { Entry, HardState } from '../core/types';
import { BinaryReader, BinaryWriter } from './binary';
import { EntryWindow } from './entry-window';
import { readEntry, readHardState, readIndex, writeEntry, writeHardState } from './entry-codec';
import type { RaftLogStorage } from '../ports/raft-log-storage';
import { RecordType, scanSegment, WalCorruptionError, writeRecord } from './wal-record';

export interface FileWalOptions {
  /** A segment is closed and a new one started once it would grow past this size. */
  segmentBytes?: number;
  /** Index of the snapshot the caller restored; entries it covers are dropped, and the log must continue it. */
  snapshotIndex?: number;
  /** Told about a torn tail that recovery truncated. */
  onTornTail?: (file: string, offset: number, reason: string) => void;
}

export interface WalStats {
  /** `save`/`append`/`compact` calls. */
  saves: number;
  /** fdatasync calls on segment files: group commit makes this far smaller than `saves`. */
  fsyncs: number;
  records: number;
  bytesWritten: number;
  segmentsCreated: number;
  segmentsDeleted: number;
}

interface Segment {
  readonly seq: number;
  readonly file: string;
  /** Highest entry index written to the segment (0 when none): the segment can go once a snapshot covers it. */
  maxIndex: number;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/** Records waiting for the next write; everything in one batch shares one write and at most one fsync. */
interface Batch {
  writer: BinaryWriter;
  sync: boolean;
  maxIndex: number;
  waiters: Waiter[];
}

const SEGMENT_SUFFIX = '.wal';
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/**
 * The write-ahead log: the log store and the stable store in append-only segment files
 * (`0000000000000001.wal`, ...), in the spirit of etcd's WAL.
 *
 * - Records: see `wal-record.ts`. Each segment starts with the current hard state and compaction point, so
 *   that any prefix of segments can be deleted without losing either.
 * - Conflicting suffixes are truncated by appending, never by rewriting: an entry record with index i replaces
 *   entries i.. on replay (worked example: records `1@t1 2@t1 3@t1 2@t2` replay to `1@t1 2@t2`).
 * - Group commit: `save` returns at once into the current batch; one writer loop writes a batch with one
 *   `write` and one fdatasync while the next batch fills. The write is synchronous: it only copies into the
 *   page cache (microseconds), and a round trip through libuv's thread pool costs about a millisecond on a busy
 *   machine, on every node's path to an acknowledgement; the fdatasync, which waits for the disk, stays off the
 *   event loop. A failed write or fsync poisons the WAL: fsync is never retried, since a failed fsync may have
 *   dropped dirty pages (PostgreSQL's "fsyncgate").
 * - Compaction writes a `Compacted` record and deletes whole segments whose entries a snapshot covers.
 * - The entries after the compaction point are also kept in memory (bounded by the snapshot threshold), so
 *   reads never touch the disk.
 */
export class FileWal implements RaftLogStorage {
  readonly stats: WalStats = { saves: 0, fsyncs: 0, records: 0, bytesWritten: 0, segmentsCreated: 0, segmentsDeleted: 0 };

  private readonly window: EntryWindow;
  private state: HardState;
  private segments: Segment[];
  private active: fs.FileHandle;
  private activeBytes: number;
  private pending: Batch = newBatch();
  private writing: Promise<void> | null = null;
  private failure: unknown = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    recovered: { window: EntryWindow; state: HardState; segments: Segment[] },
    active: fs.FileHandle,
    activeBytes: number,
  ) {
    this.window = recovered.window;
    this.state = recovered.state;
    this.segments = recovered.segments;
    this.active = active;
    this.activeBytes = activeBytes;
  }

  /** Recovers the log in `dir` (created when absent): truncates a torn tail, refuses a corrupted middle. */
  static async open(dir: string, options: FileWalOptions = {}): Promise<FileWal> {
    await fs.mkdir(dir, { recursive: true });
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const snapshotIndex = options.snapshotIndex ?? 0;
    const names = (await fs.readdir(dir)).filter((name) => name.endsWith(SEGMENT_SUFFIX)).sort();
    const replay = new Replay();
    const segments: Segment[] = [];
    let activeBytes = 0;
    for (const [position, name] of names.entries()) {
      const file = path.join(dir, name);
      const seq = Number.parseInt(name, 10);
      if (!Number.isSafeInteger(seq) || seq < 1) throw new Error(`unexpected file ${file} in the WAL directory`);
      const isNewest = position === names.length - 1;
      const data = await fs.readFile(file);
      const scan = scanSegment(data, file, isNewest);
      const segment: Segment = { seq, file, maxIndex: 0 };
      for (const record of scan.records) replay.apply(record.type, record.payload, file, record.offset, segment);
      segments.push(segment);
      if (scan.tornTail !== null) {
        options.onTornTail?.(file, scan.validBytes, scan.tornTail);
        await truncateDurably(file, scan.validBytes);
      }
      if (isNewest) activeBytes = scan.validBytes;
    }
    const recovered = replay.finish(snapshotIndex, dir);
    let active: fs.FileHandle;
    if (segments.length === 0) {
      const created = await createSegment(dir, 1, recovered.state, recovered.window.compacted);
      segments.push(created.segment);
      active = created.handle;
      activeBytes = created.bytes;
    } else {
      active = await fs.open(segments[segments.length - 1]!.file, 'a');
    }
    return new FileWal(dir, segmentBytes, { ...recovered, segments }, active, activeBytes);
  }

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

  append(entries: readonly Entry[], opts: { sync: boolean }): Promise<void> {
    return this.save({ hardState: null, entries, sync: opts.sync });
  }

  saveHardState(hardState: HardState, opts: { sync: boolean }): Promise<void> {
    return this.save({ hardState, entries: [], sync: opts.sync });
  }

  save(update: { hardState: HardState | null; entries: readonly Entry[]; sync: boolean }): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('WAL is closed'));
    // Checked before anything is written, so that a refused append leaves no trace.
    const invalid = this.window.checkAppend(update.entries);
    if (invalid) return Promise.reject(invalid);
    const batch = this.pending;
    if (update.hardState !== null) {
      const hardState = update.hardState;
      writeRecord(batch.writer, RecordType.HardState, (w) => writeHardState(w, hardState));
      this.state = hardState;
      this.stats.records++;
    }
    for (const entry of update.entries) {
      this.window.append(entry);
      writeRecord(batch.writer, RecordType.Entry, (w) => writeEntry(w, entry));
      batch.maxIndex = Math.max(batch.maxIndex, entry.index);
      this.stats.records++;
    }
    return this.enqueue(batch, update.sync);
  }

  /** Forgets entries up to `index` (a snapshot covers them) and deletes the segments that only hold those. */
  async compact(index: number): Promise<void> {
    if (index <= this.window.compacted) return;
    this.window.compact(index);
    writeRecord(this.pending.writer, RecordType.Compacted, (w) => w.f64(index));
    this.stats.records++;
    await this.enqueue(this.pending, true);
    const removable: Segment[] = [];
    // The newest segment is being written to; older ones go in order while a snapshot covers all they hold.
    while (this.segments.length > 1 && this.segments[0]!.maxIndex <= index) removable.push(this.segments.shift()!);
    for (const segment of removable) {
      await fs.unlink(segment.file);
      this.stats.segmentsDeleted++;
    }
  }

  /** Waits for every write in flight, then closes the active segment. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing !== null) await this.writing;
    await this.active.close();
  }

  private enqueue(batch: Batch, sync: boolean): Promise<void> {
    this.stats.saves++;
    batch.sync ||= sync;
    const done = new Promise<void>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    this.writing ??= this.writeLoop();
    return done;
  }

  /** Drains the batches; clears `writing` synchronously on exit, so that a save arriving later starts a new loop. */
  private async writeLoop(): Promise<void> {
    while (this.pending.waiters.length > 0) {
      const batch = this.pending;
      this.pending = newBatch();
      try {
        await this.writeBatch(batch);
        for (const waiter of batch.waiters) waiter.resolve();
      } catch (error) {
        this.failure = error;
        for (const waiter of [...batch.waiters, ...this.pending.waiters]) waiter.reject(error);
        this.pending = newBatch();
        break;
      }
    }
    this.writing = null;
  }

  private async writeBatch(batch: Batch): Promise<void> {
    const bytes = batch.writer.view();
    if (this.activeBytes > 0 && this.activeBytes + bytes.length > this.segmentBytes) await this.rotate();
    if (bytes.length > 0) {
      const bytesWritten = writeSync(this.active.fd, bytes);
      if (bytesWritten !== bytes.length) throw new Error(`short WAL write: ${bytesWritten} of ${bytes.length} bytes`);
      this.activeBytes += bytes.length;
      this.stats.bytesWritten += bytes.length;
      const segment = this.segments[this.segments.length - 1]!;
      segment.maxIndex = Math.max(segment.maxIndex, batch.maxIndex);
    }
    if (batch.sync) {
      await this.active.datasync();
      this.stats.fsyncs++;
    }
  }

  /** Seals the active segment (fsynced, so older segments are always complete) and starts the next one. */
  private async rotate(): Promise<void> {
    await this.active.datasync();
    this.stats.fsyncs++;
    await this.active.close();
    const seq = this.segments[this.segments.length - 1]!.seq + 1;
    const created = await createSegment(this.dir, seq, this.state, this.window.compacted);
    this.segments.push(created.segment);
    this.active = created.handle;
    this.activeBytes = created.bytes;
    this.stats.segmentsCreated++;
  }
}

function newBatch(): Batch {
  return { writer: new BinaryWriter(4096), sync: false, maxIndex: 0, waiters: [] };
}

/** A new segment opens with the hard state and the compaction point, and its directory entry is fsynced. */
async function createSegment(
  dir: string,
  seq: number,
  state: HardState,
  compactedIndex: number,
): Promise<{ segment: Segment; handle: fs.FileHandle; bytes: number }> {
  const file = path.join(dir, `${String(seq).padStart(16, '0')}${SEGMENT_SUFFIX}`);
  const writer = new BinaryWriter();
  writeRecord(writer, RecordType.HardState, (w) => writeHardState(w, state));
  writeRecord(writer, RecordType.Compacted, (w) => w.f64(compactedIndex));
  const handle = await fs.open(file, 'wx');
  await handle.write(writer.view());
  await handle.datasync();
  await fsyncDirectory(dir);
  return { segment: { seq, file, maxIndex: 0 }, handle, bytes: writer.size };
}

async function truncateDurably(file: string, length: number): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes a created, renamed or deleted directory entry durable (a file's fsync does not cover its name). */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Rebuilds the log, hard state and compaction point from records in order. */
class Replay {
  private readonly window = new EntryWindow();
  private state: HardState = { term: 0, vote: '', commit: 0 };

  apply(type: RecordType, payload: Buffer, file: string, offset: number, segment: Segment): void {
    const reader = new BinaryReader(payload);
    try {
      switch (type) {
        case RecordType.HardState:
          this.state = readHardState(reader);
          return;
        case RecordType.Compacted:
          this.window.compact(readIndex(reader));
          return;
        case RecordType.Entry: {
          const entry = readEntry(reader);
          segment.maxIndex = Math.max(segment.maxIndex, entry.index);
          this.appendEntry(entry);
          return;
        }
      }
    } catch (error) {
      if (error instanceof WalCorruptionError) throw error;
      throw new WalCorruptionError(file, offset, `record does not decode: ${(error as Error).message}`);
    }
  }

  finish(snapshotIndex: number, dir: string): { window: EntryWindow; state: HardState } {
    if (this.window.compacted > snapshotIndex) {
      throw new Error(
        `WAL in ${dir} starts after index ${this.window.compacted} but the snapshot only covers up to ${snapshotIndex}: ` +
          `entries in between are missing (was a newer snapshot deleted?)`,
      );
    }
    this.window.compact(snapshotIndex);
    return { window: this.window, state: this.state };
  }

  private appendEntry(entry: Entry): void {
    // The segments that held the entries before this one were deleted after a snapshot covered them.
    if (entry.index > this.window.lastIndex() + 1) this.window.startAfter(entry.index - 1);
    // Older records replaced by a later leader's, or covered by a compaction record read earlier.
    if (entry.index <= this.window.compacted) return;
    this.window.append(entry);
  }
}
