import { Message, MessageType } from '../core/types';
import { BinaryReader, BinaryWriter, DecodeError } from '../storage/binary';
import { readEntry, readIndex, readSnapshotMetadata, writeEntry, writeSnapshotMetadata } from '../storage/entry-codec';

/**
 * The wire format of a batch of peer messages: a version byte, a count, then each message with its fields in a
 * fixed order. Entry and snapshot data travel as raw length-prefixed bytes (a JSON array of numbers would be
 * four times larger and slow to parse).
 */
const WIRE_VERSION = 1;
/**
 * Wire codes, fixed forever so that nodes of different versions agree: a new type takes a new code, and the
 * codes of retired types (10 SnapshotStatus, 12 TransferLeader, 15 Propose, 16 Unreachable: local inputs that
 * never travelled) are never reused; a frame carrying one is refused as an unknown type.
 */
const TYPE_CODES: ReadonlyMap<MessageType, number> = new Map([
  [MessageType.Hup, 0],
  [MessageType.PreVote, 1],
  [MessageType.PreVoteResponse, 2],
  [MessageType.Vote, 3],
  [MessageType.VoteResponse, 4],
  [MessageType.Append, 5],
  [MessageType.AppendResponse, 6],
  [MessageType.Heartbeat, 7],
  [MessageType.HeartbeatResponse, 8],
  [MessageType.Snapshot, 9],
  [MessageType.TimeoutNow, 11],
  [MessageType.ReadIndex, 13],
  [MessageType.ReadIndexResponse, 14],
]);
const TYPES_BY_CODE: ReadonlyMap<number, MessageType> = new Map([...TYPE_CODES].map(([type, code]) => [code, type]));
/** Bounds what one decoded batch may allocate. */
const MAX_MESSAGES_PER_BATCH = 100_000;

export function writeMessage(writer: BinaryWriter, msg: Message): void {
  const code = TYPE_CODES.get(msg.type);
  if (code === undefined) throw new Error(`no wire code for message type ${msg.type}`);
  writer.u8(code).string(msg.from).string(msg.to);
  writer.f64(msg.term).f64(msg.index).f64(msg.logTerm).f64(msg.commit).u8(msg.reject ? 1 : 0).f64(msg.rejectHint);
  writer.u32(msg.entries.length);
  for (const entry of msg.entries) writeEntry(writer, entry);
  if (msg.snapshot) {
    writer.u8(1);
    writeSnapshotMetadata(writer, msg.snapshot.metadata);
    writer.bytes(msg.snapshot.data);
  } else {
    writer.u8(0);
  }
  if (msg.context !== undefined) writer.u8(1).string(msg.context);
  else writer.u8(0);
}

export function readMessage(reader: BinaryReader): Message {
  const type = TYPES_BY_CODE.get(reader.u8());
  if (type === undefined) throw new DecodeError('unknown message type');
  const from = reader.string();
  const to = reader.string();
  const term = readIndex(reader);
  const index = readIndex(reader);
  const logTerm = readIndex(reader);
  const commit = readIndex(reader);
  const reject = reader.u8() === 1;
  const rejectHint = readIndex(reader);
  const count = reader.u32();
  if (count > reader.remaining) throw new DecodeError(`entry count ${count} exceeds the bytes left`);
  const entries = [];
  for (let i = 0; i < count; i++) entries.push(readEntry(reader));
  const snapshot = reader.u8() === 1 ? { metadata: readSnapshotMetadata(reader), data: reader.bytes() } : undefined;
  const context = reader.u8() === 1 ? reader.string() : undefined;
  return {
    type, from, to, term, index, logTerm, commit, reject, rejectHint, entries,
    ...(snapshot ? { snapshot } : {}),
    ...(context !== undefined ? { context } : {}),
  };
}

export function encodeBatch(messages: readonly Message[]): Buffer {
  const writer = new BinaryWriter(1024);
  writer.u8(WIRE_VERSION).u32(messages.length);
  for (const msg of messages) writeMessage(writer, msg);
  return writer.view();
}

/** Throws `DecodeError` on anything malformed; a batch is accepted whole or not at all. */
export function decodeBatch(body: Uint8Array): Message[] {
  const reader = new BinaryReader(body);
  const version = reader.u8();
  if (version !== WIRE_VERSION) throw new DecodeError(`unknown wire version ${version}`);
  const count = reader.u32();
  if (count > MAX_MESSAGES_PER_BATCH) throw new DecodeError(`batch of ${count} messages over the limit`);
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) messages.push(readMessage(reader));
  if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} trailing bytes after the batch`);
  return messages;
}

/** An estimate of a message's encoded size, to bound batches without encoding twice. */
export function messageSizeEstimate(msg: Message): number {
  let size = 80 + msg.from.length + msg.to.length + (msg.context?.length ?? 0);
  for (const entry of msg.entries) size += 21 + entry.data.length;
  if (msg.snapshot) size += 64 + msg.snapshot.data.length;
  return size;
}
