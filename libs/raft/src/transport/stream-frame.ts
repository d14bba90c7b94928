import { BinaryReader, BinaryWriter, DecodeError } from '../storage/binary';
import { AuthHeaders } from './peer-auth';

/**
 * The framing of the messages lane: one long-lived HTTP request per peer whose body is a sequence of frames,
 * each a batch of messages signed on its own, after request headers that are signed too (peer-auth.ts), checked
 * before any frame is read:
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

/** Everything of a frame before its batch: written ahead of the batch, which is never copied into a frame. */
export function frameHeader(fields: FrameFields, signature: string, batchBytes: number): Buffer {
  const writer = new BinaryWriter(LENGTH_BYTES + 128);
  writer.u32(0).string(fields.epoch).f64(fields.seq).f64(fields.timestamp).string(signature);
  writer.patchU32(0, writer.size - LENGTH_BYTES + batchBytes);
  return writer.view();
}

/** A whole frame in one buffer (tools and tests; the transport writes `frameHeader` and the batch apart). */
export function encodeFrame(fields: FrameFields, signature: string, batch: Uint8Array): Buffer {
  return Buffer.concat([frameHeader(fields, signature, batch.length), batch]);
}

export class FrameTooLargeError extends Error {}

/**
 * Cuts the frames out of a byte stream as it arrives in chunks of any size. A frame longer than `maxFrameBytes`
 * is refused from its length field, before its bytes are buffered. The chunks of a frame are joined once, when
 * it is complete (a large batch arrives in many chunks).
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private bytes = 0;
  /** The length, prefix included, of the frame being received; 0 until its length field is in. */
  private frameBytes = 0;

  constructor(
    private readonly stream: Pick<AuthHeaders, 'from' | 'to' | 'lane'>,
    private readonly maxFrameBytes: number,
  ) {}

  /** The frames completed by `chunk`, in order. Throws FrameTooLargeError or DecodeError (the stream is then unusable). */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.frameBytes === 0) {
        if (this.bytes < LENGTH_BYTES) break;
        const length = this.joined().readUInt32LE(0);
        if (length > this.maxFrameBytes) throw new FrameTooLargeError(`frame of ${length} bytes over the limit of ${this.maxFrameBytes}`);
        this.frameBytes = LENGTH_BYTES + length;
      }
      if (this.bytes < this.frameBytes) break;
      const all = this.joined();
      frames.push(this.decode(all.subarray(LENGTH_BYTES, this.frameBytes)));
      const rest = all.subarray(this.frameBytes);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.bytes = rest.length;
      this.frameBytes = 0;
    }
    return frames;
  }

  /** The buffered bytes as one buffer (joined once, then kept so). */
  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.bytes)];
    return this.chunks[0]!;
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
