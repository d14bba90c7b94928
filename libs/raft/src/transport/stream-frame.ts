import { BinaryReader, BinaryWriter, DecodeError } from '../storage/binary';
import { AuthHeaders } from './peer-auth';

/**
 * The framing of the messages lane: one long-lived HTTP request per peer whose body is a sequence of frames,
 * each a batch of messages signed on its own (the request headers only say who claims to speak):
 *
 *   u32 length of what follows | string epoch | f64 seq | f64 timestamp | string HMAC (hex) | batch (message-codec)
 *
 * `from`, `to` and the lane are the stream's, and each frame's HMAC covers them, so a frame cannot be replayed on
 * another stream, to another node, or on the same stream twice (seq).
 */
export type FrameFields = Omit<AuthHeaders, 'from' | 'to' | 'lane' | 'signature'>;

export interface Frame {
  auth: AuthHeaders;
  batch: Buffer;
}

const LENGTH_BYTES = 4;

export function encodeFrame(fields: FrameFields, signature: string, batch: Uint8Array): Buffer {
  const writer = new BinaryWriter(LENGTH_BYTES + 128 + batch.length);
  writer.u32(0).string(fields.epoch).f64(fields.seq).f64(fields.timestamp).string(signature);
  const header = writer.view();
  const frame = Buffer.allocUnsafe(header.length + batch.length);
  header.copy(frame, 0);
  frame.set(batch, header.length);
  frame.writeUInt32LE(frame.length - LENGTH_BYTES, 0);
  return frame;
}

export class FrameTooLargeError extends Error {}

/**
 * Cuts the frames out of a byte stream as it arrives in chunks of any size. A frame longer than `maxFrameBytes`
 * is refused from its length field, before its bytes are buffered.
 */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly stream: Pick<AuthHeaders, 'from' | 'to' | 'lane'>,
    private readonly maxFrameBytes: number,
  ) {}

  /** The frames completed by `chunk`, in order. Throws FrameTooLargeError or DecodeError (the stream is then unusable). */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= LENGTH_BYTES) {
      const length = this.pending.readUInt32LE(offset);
      if (length > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${length} bytes over the limit of ${this.maxFrameBytes}`);
      if (this.pending.length - offset - LENGTH_BYTES < length) break;
      frames.push(this.decode(this.pending.subarray(offset + LENGTH_BYTES, offset + LENGTH_BYTES + length)));
      offset += LENGTH_BYTES + length;
    }
    // Keep only the incomplete tail (a copy, so that one small leftover does not pin a large chunk).
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return frames;
  }

  private decode(bytes: Buffer): Frame {
    const reader = new BinaryReader(bytes);
    const epoch = reader.string();
    const seq = reader.f64();
    const timestamp = reader.f64();
    const signature = reader.string();
    if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(timestamp)) throw new DecodeError('frame seq or timestamp is not an integer');
    const batch = bytes.subarray(bytes.length - reader.remaining);
    return { auth: { ...this.stream, epoch, seq, timestamp, signature }, batch };
  }
}
