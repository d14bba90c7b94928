import { isIP } from 'node:net';

/**
 * Checks on the raw request line and headers, before anything is sent upstream (a malformed request gets
 * 400 and never reaches a service). Node's HTTP parser already refuses invalid characters, conflicting
 * Content-Length / Transfer-Encoding and bad chunking; these are the rules it cannot know.
 */

/** RFC 3986 path characters only (pchar and "/"), no empty segment. */
const PATH_CHARS = /^(?:\/[A-Za-z0-9\-._~!$&'()*+,;=:@%]+)+\/?$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
/** Dot segments and their encodings, encoded "/" "\" and NUL: each could make a path mean another route. */
const AMBIGUOUS = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)|%2f|%5c|%00/i;
/**
 * Percent-encoded unreserved characters (letters, digits, - . _ ~; RFC 3986 §2.3): `/api/orders/%74okens` means
 * `/api/orders/tokens` to the upstream, which decodes it, but would not match a rate limit policy's prefix here.
 */
const ENCODED_UNRESERVED = /%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2D|2E|5F|7E)/i;

/** Returns a reason when the path (without query) must be refused. */
export function pathProblem(path: string): string | undefined {
  if (path.length > 2048) return 'path longer than 2048 bytes';
  if (!PATH_CHARS.test(path)) return 'path has characters outside RFC 3986 or an empty segment';
  if (BAD_PERCENT.test(path)) return 'path has a malformed percent-encoding';
  if (AMBIGUOUS.test(path)) return 'path has a dot segment or an encoded slash, backslash or NUL';
  if (ENCODED_UNRESERVED.test(path)) return 'path percent-encodes a character that must appear as itself (RFC 3986 §2.3)';
  return undefined;
}

const CUSTOMER_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const DIGITS = /^\d{1,15}$/;

export function customerIdProblem(value: string): string | undefined {
  return CUSTOMER_ID.test(value) ? undefined : 'X-Customer-Id must be 1-128 characters of [A-Za-z0-9._:@-]';
}

export function contentLengthProblem(value: string): string | undefined {
  return DIGITS.test(value) ? undefined : 'Content-Length must be a decimal number';
}

/**
 * TRUSTED_PROXIES: exact addresses or IPv4 CIDR blocks of the proxies in front of the gateway. Only their
 * X-Forwarded-For is believed; anybody else could write any address there to dodge a per-IP limit.
 */
export class TrustedProxies {
  private readonly exact = new Set<string>();
  private readonly blocks: { base: number; mask: number }[] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [addr, bits] = entry.split('/');
      if (bits === undefined) {
        if (!isIP(entry)) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IP address`);
        this.exact.add(entry);
        this.exact.add(`::ffff:${entry}`);
        continue;
      }
      const n = Number(bits);
      if (isIP(addr!) !== 4 || !Number.isInteger(n) || n < 0 || n > 32) throw new Error(`TRUSTED_PROXIES: "${entry}" is not an IPv4 CIDR block`);
      const mask = n === 0 ? 0 : (~0 << (32 - n)) >>> 0;
      this.blocks.push({ base: (ipv4ToInt(addr!) & mask) >>> 0, mask });
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.blocks.length === 0;
  }

  trusts(address: string): boolean {
    if (this.exact.has(address)) return true;
    if (this.blocks.length === 0) return false;
    const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
    if (isIP(v4) !== 4) return false;
    const n = ipv4ToInt(v4);
    return this.blocks.some((b) => ((n & b.mask) >>> 0) === b.base);
  }

  /**
   * The client's address: the socket peer, or, when the peer is a trusted proxy, the right-most address of
   * X-Forwarded-For that is not itself trusted. undefined when a trusted proxy sent a malformed header.
   */
  clientIp(peer: string, forwardedFor: string | undefined): string | undefined {
    if (forwardedFor === undefined || !this.trusts(peer)) return peer;
    const hops = forwardedFor.split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!.trim();
      if (!isIP(hop)) return undefined;
      client = hop;
      if (!this.trusts(hop)) break;
    }
    return client;
  }
}

function ipv4ToInt(addr: string): number {
  return addr.split('.').reduce((acc, part) => ((acc << 8) | Number(part)) >>> 0, 0);
}
