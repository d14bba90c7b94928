import type { Principal } from '../access/access-rules';
import { Command, CommandType } from './commands';

/**
 * Binary encoding of commands for the Raft log: one type byte, then the fields in a fixed order; integers are
 * unsigned LEB128 varints (safe integers, not limited to 32 bits), strings a varint byte length then UTF-8.
 * An optional CAS index is written as cas + 1 (0: absent). A heartbeat is ~20 bytes instead of ~80 as JSON.
 * A client command ends with its principal when it has one: entries written before principals existed simply
 * end earlier and decode as before (replay of an old log is unchanged).
 */

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

class Writer {
  private buf = new Uint8Array(64);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  uint(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not an unsigned safe integer: ${n}`);
    this.ensure(8);
    // Division instead of >>> so that values above 2^32 survive.
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  string(s: string): void {
    const bytes = utf8.encode(s);
    this.uint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  optionalIndex(n: number | undefined): void {
    this.uint(n === undefined ? 0 : n + 1);
  }

  optionalTrailingString(s: string | undefined): void {
    if (s !== undefined) this.string(s);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

export class CommandDecodeError extends Error {
  constructor(message: string) {
    super(`malformed command: ${message}`);
    this.name = 'CommandDecodeError';
  }
}

class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.buf.length) throw new CommandDecodeError('truncated');
    return this.buf[this.pos++]!;
  }

  uint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(result)) throw new CommandDecodeError('integer overflow');
        return result;
      }
      scale *= 0x80;
    }
    throw new CommandDecodeError('varint too long');
  }

  string(): string {
    const len = this.uint();
    if (this.pos + len > this.buf.length) throw new CommandDecodeError('truncated string');
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }

  optionalIndex(): number | undefined {
    const n = this.uint();
    return n === 0 ? undefined : n - 1;
  }

  optionalTrailingString(): string | undefined {
    return this.pos < this.buf.length ? this.string() : undefined;
  }

  end(): void {
    if (this.pos !== this.buf.length) throw new CommandDecodeError('trailing bytes');
  }
}

export function encodeCommand(cmd: Command): Uint8Array {
  const w = new Writer();
  w.byte(cmd.type);
  switch (cmd.type) {
    case CommandType.KvPut:
      w.string(cmd.key);
      w.string(cmd.value);
      w.optionalIndex(cmd.cas);
      break;
    case CommandType.KvDelete:
      w.string(cmd.key);
      w.optionalIndex(cmd.cas);
      break;
    case CommandType.KvRollback:
      w.string(cmd.key);
      w.uint(cmd.toModIndex);
      w.optionalIndex(cmd.cas);
      break;
    case CommandType.ServiceRegister: {
      w.string(cmd.service);
      w.string(cmd.instanceId);
      w.string(cmd.address);
      w.uint(cmd.port);
      w.uint(cmd.ttlMs);
      const meta = Object.entries(cmd.meta);
      w.uint(meta.length);
      for (const [k, v] of meta) {
        w.string(k);
        w.string(v);
      }
      break;
    }
    case CommandType.ServiceHeartbeat:
    case CommandType.ServiceDeregister:
      w.string(cmd.service);
      w.string(cmd.instanceId);
      break;
    case CommandType.LeaseExpire:
      w.uint(cmd.leases.length);
      for (const lease of cmd.leases) {
        w.string(lease.service);
        w.string(lease.instanceId);
        w.uint(lease.renewIndex);
      }
      break;
  }
  if (cmd.type !== CommandType.LeaseExpire) w.optionalTrailingString(cmd.principal);
  return w.finish();
}

export function decodeCommand(data: Uint8Array): Command {
  const r = new Reader(data);
  const type = r.byte();
  let cmd: Command;
  switch (type) {
    case CommandType.KvPut:
      cmd = { type, key: r.string(), value: r.string(), cas: r.optionalIndex() };
      break;
    case CommandType.KvDelete:
      cmd = { type, key: r.string(), cas: r.optionalIndex() };
      break;
    case CommandType.KvRollback:
      cmd = { type, key: r.string(), toModIndex: r.uint(), cas: r.optionalIndex() };
      break;
    case CommandType.ServiceRegister: {
      const service = r.string();
      const instanceId = r.string();
      const address = r.string();
      const port = r.uint();
      const ttlMs = r.uint();
      const count = r.uint();
      const meta: Record<string, string> = {};
      for (let i = 0; i < count; i++) meta[r.string()] = r.string();
      cmd = { type, service, instanceId, address, port, ttlMs, meta };
      break;
    }
    case CommandType.ServiceHeartbeat:
    case CommandType.ServiceDeregister:
      cmd = { type, service: r.string(), instanceId: r.string() };
      break;
    case CommandType.LeaseExpire: {
      const count = r.uint();
      const leases: { service: string; instanceId: string; renewIndex: number }[] = [];
      for (let i = 0; i < count; i++) leases.push({ service: r.string(), instanceId: r.string(), renewIndex: r.uint() });
      cmd = { type, leases };
      break;
    }
    default:
      throw new CommandDecodeError(`unknown type ${type}`);
  }
  if (cmd.type !== CommandType.LeaseExpire) {
    const principal = r.optionalTrailingString();
    if (principal !== undefined) {
      if (principal !== 'operator' && !principal.startsWith('service:')) throw new CommandDecodeError(`unknown principal ${principal}`);
      cmd = { ...cmd, principal: principal as Principal };
    }
  }
  r.end();
  return cmd;
}
