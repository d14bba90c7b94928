import { crc32c } from './crc32c';
import { BinaryWriter } from './binary';

/**
 * One WAL record on disk:
 *
 * | bytes | field                                              |
 * |-------|----------------------------------------------------|
 * | 4     | payload length (u32 LE)                            |
 * | 4     | CRC-32C of those 4 length bytes                    |
 * | 4     | CRC-32C of type + payload                          |
 * | 1     | type                                               |
 * | n     | payload                                            |
 *
 * The length has its own checksum so that a flipped bit in a length field is detected as corruption instead of
 * looking like a record that runs past the end of the file (which is what a torn write looks like).
 */
export const RECORD_HEADER_BYTES = 13;
/** A bound on one record, so that a damaged file cannot make recovery allocate without limit. */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export enum RecordType {
  /** A log entry. Replay rule: an entry with index i discards every held entry with index >= i first. */
  Entry = 1,
  /** The hard state (term, vote, commit) from now on. */
  HardState = 2,
  /** The log is compacted up to and including this index (a snapshot covers it); a reset when beyond the end. */
  Compacted = 3,
}

export interface ScannedRecord {
  readonly type: RecordType;
  readonly payload: Buffer;
  readonly offset: number;
}

/** Appends one record to `writer`; `writePayload` writes the payload. */
export function writeRecord(writer: BinaryWriter, type: RecordType, writePayload: (w: BinaryWriter) => void): void {
  const start = writer.size;
  writer.u32(0).u32(0).u32(0).u8(type);
  writePayload(writer);
  const end = writer.size;
  const length = end - start - RECORD_HEADER_BYTES;
  writer.patchU32(start, length);
  const bytes = writer.view();
  writer.patchU32(start + 4, crc32c(bytes, 0, start, start + 4));
  writer.patchU32(start + 8, crc32c(bytes, 0, start + 12, end));
}

export class WalCorruptionError extends Error {
  override readonly name = 'WalCorruptionError';

  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `WAL segment ${file} is corrupted at offset ${offset}: ${reason}. Refusing to start: entries after this ` +
        `point may have been acknowledged. Restore this node from its peers (move its data directory away).`,
    );
  }
}

export interface SegmentScan {
  readonly records: ScannedRecord[];
  /** Bytes up to the end of the last intact record. */
  readonly validBytes: number;
  /** Why the bytes after `validBytes` were judged a torn write, when they were. */
  readonly tornTail: string | null;
}

/**
 * Reads every record of one segment. Damage at the end of the newest segment is a torn write (the process or
 * machine died during an append that was never fsynced, so never acknowledged): it is reported so that the
 * caller truncates it. Damage anywhere else, or a record that fails its checksum with intact bytes after it,
 * is corruption of data that may have been acknowledged, and throws `WalCorruptionError`.
 *
 * A damaged *last* record whose length is intact is indistinguishable from a torn write, so it is truncated too.
 */
export function scanSegment(data: Buffer, file: string, isNewestSegment: boolean): SegmentScan {
  const records: ScannedRecord[] = [];
  let offset = 0;
  const tornOrCorrupt = (reason: string): SegmentScan => {
    if (!isNewestSegment) throw new WalCorruptionError(file, offset, `${reason} (in a segment that was complete)`);
    return { records, validBytes: offset, tornTail: reason };
  };
  while (offset < data.length) {
    if (data.length - offset < RECORD_HEADER_BYTES) return tornOrCorrupt('partial record header at end of file');
    const length = data.readUInt32LE(offset);
    if (crc32c(data, 0, offset, offset + 4) !== data.readUInt32LE(offset + 4)) {
      if (isNewestSegment && isAllZero(data, offset)) return tornOrCorrupt('zero-filled tail');
      throw new WalCorruptionError(file, offset, 'record length fails its checksum');
    }
    if (length > MAX_RECORD_BYTES) throw new WalCorruptionError(file, offset, `record length ${length} over the limit`);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > data.length) return tornOrCorrupt('record runs past the end of the file');
    if (crc32c(data, 0, offset + 12, end) !== data.readUInt32LE(offset + 8)) {
      if (end === data.length) return tornOrCorrupt('last record fails its checksum');
      throw new WalCorruptionError(file, offset, 'record fails its checksum');
    }
    const type = data[offset + 12]!;
    if (!(type in RecordType)) throw new WalCorruptionError(file, offset, `unknown record type ${type}`);
    records.push({ type, payload: data.subarray(offset + RECORD_HEADER_BYTES, end), offset });
    offset = end;
  }
  return { records, validBytes: offset, tornTail: null };
}

function isAllZero(data: Buffer, from: number): boolean {
  for (let i = from; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
