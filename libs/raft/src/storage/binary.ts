/**
 * A small binary writer/reader shared by the WAL records and the peer wire format. Numbers (indexes, terms)
 * are written as float64: exact for every safe integer, and as fast as it gets in JavaScript. Byte arrays are
 * length-prefixed and copied as-is, never turned into JSON.
 */
export class BinaryWriter {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 256) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  get size(): number {
    return this.length;
  }

  u8(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  u32(value: number): this {
    this.reserve(4);
    this.buffer.writeUInt32LE(value >>> 0, this.length);
    this.length += 4;
    return this;
  }

  f64(value: number): this {
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.u32(value.length);
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(Buffer.from(value, 'utf8'));
  }

  /** Overwrites 4 bytes written earlier (a record header filled in once its payload is known). */
  patchU32(offset: number, value: number): this {
    this.buffer.writeUInt32LE(value >>> 0, offset);
    return this;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Thrown when bytes end early or hold an impossible value: the caller decides whether that is corruption. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
}

export class BinaryReader {
  private offset = 0;
  private readonly data: Buffer;

  constructor(data: Uint8Array) {
    this.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  u8(): number {
    this.need(1);
    return this.data[this.offset++]!;
  }

  u32(): number {
    this.need(4);
    const value = this.data.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }

  f64(): number {
    this.need(8);
    const value = this.data.readDoubleLE(this.offset);
    this.offset += 8;
    return value;
  }

  /** A copy, so that a decoded entry does not pin a whole network body or segment file in memory. */
  bytes(): Uint8Array {
    const length = this.u32();
    this.need(length);
    const value = new Uint8Array(length);
    value.set(this.data.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }

  string(): string {
    const length = this.u32();
    this.need(length);
    const value = this.data.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  private need(bytes: number): void {
    if (this.offset + bytes > this.data.length) {
      throw new DecodeError(`need ${bytes} bytes at offset ${this.offset}, have ${this.remaining}`);
    }
  }
}
