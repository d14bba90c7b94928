import { Entry, EntryType, HardState, SnapshotMetadata } from '../core/types';
import { BinaryReader, BinaryWriter, DecodeError } from './binary';

/** The binary form of the core's data types, shared by the WAL and the peer wire format. */

export function writeEntry(writer: BinaryWriter, entry: Entry): void {
  writer.f64(entry.index).f64(entry.term).u8(entry.type).bytes(entry.data);
}

export function readEntry(reader: BinaryReader): Entry {
  const index = readIndex(reader);
  const term = readIndex(reader);
  const type = reader.u8();
  if (type !== EntryType.Normal && type !== EntryType.Empty) throw new DecodeError(`unknown entry type ${type}`);
  return { index, term, type, data: reader.bytes() };
}

export function writeHardState(writer: BinaryWriter, hardState: HardState): void {
  writer.f64(hardState.term).string(hardState.vote).f64(hardState.commit);
}

export function readHardState(reader: BinaryReader): HardState {
  const term = readIndex(reader);
  const vote = reader.string();
  return { term, vote, commit: readIndex(reader) };
}

export function writeSnapshotMetadata(writer: BinaryWriter, metadata: SnapshotMetadata): void {
  writer.f64(metadata.index).f64(metadata.term).u32(metadata.members.length);
  for (const member of metadata.members) writer.string(member);
}

export function readSnapshotMetadata(reader: BinaryReader): SnapshotMetadata {
  const index = readIndex(reader);
  const term = readIndex(reader);
  const count = reader.u32();
  if (count > 10_000) throw new DecodeError(`implausible member count ${count}`);
  const members: string[] = [];
  for (let i = 0; i < count; i++) members.push(reader.string());
  return { index, term, members };
}

/** Indexes and terms are non-negative safe integers; anything else is a decoding error, not a number to trust. */
export function readIndex(reader: BinaryReader): number {
  const value = reader.f64();
  if (!Number.isSafeInteger(value) || value < 0) throw new DecodeError(`invalid index or term ${value}`);
  return value;
}
