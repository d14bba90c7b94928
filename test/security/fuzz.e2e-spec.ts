import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { REQUEST_TIMEOUT_MS } from '@shop/common';
import { seededRandom } from '@shop/load';
import { signIn } from '../support/sign-in';
import { RunningSystem, startSystem } from '../support/system';

/**
 * Hostile requests against the whole running system through the gateway's public port (issue 15): framing,
 * sizes, nesting depths, wrong types, encodings, auth, methods and headers, generated from a seed. Every
 * answer must come (no silent reset), none may be a 5xx other than the contract's 503 and 504, every error
 * must be in the contract's shape `{"error":{"code","message"}}`, and every app must be healthy afterwards.
 *
 * Bounded: FUZZ_COUNT requests (default 2500), 8 at a time, each answered within the servers' request timeout
 * plus 5 s (a body declared and never sent is answered 408 at that deadline), the whole run within 6 minutes.
 * Deterministic in CI: a fixed seed by default; `FUZZ_SEED=<n>` replays a printed seed, `FUZZ_SEED=random`
 * explores new requests.
 */
jest.setTimeout(600_000);

const SEED = process.env.FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.FUZZ_SEED ?? 20_261_207);
const COUNT = Number(process.env.FUZZ_COUNT ?? 2500);
const CONCURRENCY = 8;
const RUN_BUDGET_MS = 360_000;
const ANSWER_TIMEOUT_MS = REQUEST_TIMEOUT_MS + 5_000;

/** Bodies of the right syntax and the wrong types or sizes, and a prototype-pollution attempt. */
const WRONG_TYPES: readonly string[] = [
  '{"customerId":7}',
  '{"customerId":["c-1"]}',
  '{"customerId":{"$ne":1}}',
  '{"customerId":null,"items":"x"}',
  '{"items":[{"sku":1,"quantity":-1}]}',
  '{"items":[{"sku":"sku-1","quantity":1e308}]}',
  '{"skus":"sku-1"}',
  JSON.stringify({ skus: Array(5000).fill('sku-1') }),
  '[]',
  '"x"',
  '1',
  'null',
  '{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}',
];

interface Generated {
  kind: string;
  bytes: Buffer;
}

class Generator {
  private readonly r: () => number;

  constructor(
    seed: number,
    private readonly adminToken: string,
    /** A signed-in customer's access token: most requests carry it, so that they reach the services. */
    private readonly accessToken: string,
  ) {
    this.r = seededRandom(seed);
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.r() * (max - min + 1));
  }
  private pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.r() * xs.length)]!;
  }
  private chance(p: number): boolean {
    return this.r() < p;
  }

  private path(): string {
    const base = this.pick([
      '/api/products',
      '/api/products/sku-1',
      `/api/products/sku-${this.int(0, 40)}`,
      '/api/products/prices',
      '/api/orders',
      '/api/orders/tokens',
      `/api/orders/${this.int(1, 99999)}`,
      '/api/orders?customerId=c-1',
      `/api/payments/accounts/c-${this.int(0, 120)}`,
      '/api/payments/orders/1',
      '/api/unknown',
      '/gateway/status',
      '/gateway/series',
      '/api/console/sagas/1',
      '/gateway/admin/config/config/gateway/routes',
      '/gateway/admin/config/config/payment/latency-ms',
      '/health',
      '/metrics',
      '/',
    ]);
    switch (this.int(0, 12)) {
      case 0:
        return `${base}/${'a'.repeat(this.pick([100, 300, 2100, 9000]))}`;
      case 1:
        return `${base}/${this.pick(['..', '%2e%2e', '%2F', '%5c', '%00', '%zz', '%', '.', '%74okens', '\u00e9', '%C0%AE'])}/x`;
      case 2:
        return `${base}?${this.pick(['a=1&a=2', 'customerId[]=1', 'customerId=%00', '%%%', 'x='.repeat(500), 'q=' + '%ff'.repeat(50)])}`;
      case 3:
        return base.replace('/', '//');
      case 4:
        return this.pick(['*', 'http://evil.example/api/products', 'api/products', '/api', '/api/', '/api/console/sagas/' + 'x'.repeat(200)]);
      default:
        return base;
    }
  }

  private method(): string {
    if (this.chance(0.6)) return this.pick(['GET', 'POST']);
    return this.pick(['PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'PROPFIND', 'FOO', 'get', 'M-SEARCH', 'PURGE']);
  }

  private nested(depth: number): string {
    const open = this.pick(['[', '{"a":']);
    const close = open === '[' ? ']' : '}';
    return `{"customerId":"c-1","x":${open.repeat(depth)}1${close.repeat(depth)}}`;
  }

  private body(): { kind: string; data: Buffer; type?: string } {
    const json = (kind: string, value: string) => ({ kind, data: Buffer.from(value), type: 'application/json' });
    switch (this.int(0, 17)) {
      case 0:
        return json('order', JSON.stringify({ customerId: `c-${this.int(1, 100)}`, items: [{ sku: 'sku-1', quantity: this.int(1, 3) }] }));
      case 1:
        return json('token', JSON.stringify({ customerId: `c-${this.int(1, 100)}` }));
      case 2:
        return json('deep', this.nested(this.pick([50, 1000, 20_000, 100_000])));
      case 3: {
        const n = this.pick([1000, 50_000, 150_000]);
        return json('wide', `{"customerId":"c-1","items":[${Array(n).fill('{}').join(',')}]}`);
      }
      case 4:
        return json('wrong-types', this.pick(WRONG_TYPES));
      case 5:
        return json('bad-json', this.pick(['{', '{"a":}', '{"a":1,}', "{'a':1}", 'nul', '[1,2', '"\\u12"', '{"a":1}{"b":2}', '\u0000', '{"a":"\ud800"}']));
      case 6:
        return json('huge-string', JSON.stringify({ customerId: 'c'.repeat(this.pick([200, 100_000, 900_000])) }));
      case 7:
        return { kind: 'over-limit', data: Buffer.alloc(1024 * 1024 + this.int(1, 50_000), 0x61), type: 'application/json' };
      case 8:
        return { kind: 'invalid-utf8', data: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0xff, 0xfe, 0x22, 0x7d]), type: 'application/json' };
      case 9:
        return { kind: 'form', data: Buffer.from('customerId=c-1&items=1'), type: 'application/x-www-form-urlencoded' };
      case 10:
        return { kind: 'text', data: Buffer.from('hello'), type: this.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-7', 'application/json;;;', '']) };
      case 11:
        return { kind: 'gzip', data: gzipSync(Buffer.from(JSON.stringify({ customerId: 'c-1' }))), type: 'application/json' };
      case 12:
        return { kind: 'number-edge', data: Buffer.from(`{"customerId":"c-1","items":[{"sku":"sku-1","quantity":${this.pick(['1e400', '-0', '0.5', '9007199254740993', 'NaN', '01'])}}]}`), type: 'application/json' };
      default:
        return { kind: 'none', data: Buffer.alloc(0) };
    }
  }

  private headers(body: { kind: string; data: Buffer; type?: string }): { kind: string; lines: string[]; framing: 'length' | 'chunked' | 'none' } {
    const lines: string[] = ['Host: shop.test'];
    let kind = '';
    if (body.type !== undefined && body.type !== '') lines.push(`Content-Type: ${body.type}`);
    if (body.kind === 'gzip' || this.chance(0.05)) lines.push(`Content-Encoding: ${this.pick(['gzip', 'br', 'deflate', 'x-unknown'])}`);
    if (this.chance(0.3)) lines.push(`Idempotency-Key: ${this.pick(['k-' + this.int(0, 1e9), '', 'x'.repeat(5000), '../../etc', '\u00e9'])}`);
    if (this.chance(0.25)) lines.push(`Authorization: ${this.pick([`Bearer ${this.adminToken}`, 'Bearer wrong-token', 'Basic YTpi', 'Bearer ', 'Bearer ' + 'x'.repeat(4000), `Bearer ${this.accessToken}x`, 'Bearer a.b.c'])}`);
    else if (this.chance(0.9)) lines.push(`Authorization: Bearer ${this.accessToken}`);
    if (this.chance(0.1)) lines.push(`X-Forwarded-For: ${this.pick(['1.2.3.4', 'not-an-ip', '1.2.3.4, 5.6.7.8', '::1', ''])}`);
    if (this.chance(0.1)) lines.push(`X-Customer-Id: ${this.pick(['c-1', '', 'c 1', '\u00e9', 'x'.repeat(300)])}`);
    if (this.chance(0.05)) lines.push(`X-Request-Id: ${this.pick(['abc', 'x'.repeat(500), '\u00e9\u00e9', 'a b'])}`);
    if (this.chance(0.05)) lines.push('Expect: 100-continue');
    if (this.chance(0.05)) lines.push(`Connection: ${this.pick(['Upgrade, x-foo', 'keep-alive, Authorization'])}`, 'Upgrade: websocket', 'X-Foo: 1');
    if (this.chance(0.04)) {
      kind = 'big-header';
      lines.push(`X-Big: ${'b'.repeat(this.pick([8000, 17_000, 70_000]))}`);
    }
    if (this.chance(0.03)) {
      kind = 'many-headers';
      for (let i = 0; i < this.pick([100, 500, 3000]); i++) lines.push(`X-H${i}: ${i}`);
    }
    let framing: 'length' | 'chunked' | 'none' = body.data.length > 0 ? 'length' : 'none';
    const f = this.int(0, 19);
    if (f === 0 && body.data.length > 0) framing = 'chunked';
    if (f === 1) {
      kind = 'cl-te';
      lines.push('Transfer-Encoding: chunked', `Content-Length: ${body.data.length}`);
      framing = 'chunked';
    } else if (f === 2) {
      kind = 'two-cl';
      lines.push(`Content-Length: ${body.data.length}`, `Content-Length: ${body.data.length + 1}`);
      framing = 'none';
    } else if (f === 3) {
      kind = 'bad-cl';
      lines.push(`Content-Length: ${this.pick(['-1', 'abc', '1e3', '0x10', '99999999999999999999', ' 5'])}`);
      framing = 'none';
    } else if (f === 4) {
      kind = 'te-odd';
      lines.push(`Transfer-Encoding: ${this.pick(['gzip, chunked', 'chunked, identity', 'xchunked', 'chunked\t'])}`);
      framing = 'chunked';
    } else if (framing === 'chunked') {
      lines.push('Transfer-Encoding: chunked');
    } else if (framing === 'length') {
      lines.push(`Content-Length: ${body.data.length}`);
    }
    return { kind, lines, framing };
  }

  next(): Generated {
    if (this.chance(0.03)) {
      return {
        kind: 'raw-garbage',
        bytes: Buffer.from(
          this.pick([
            'GET /api/products\r\n\r\n',
            'GET /api/products HTTP/1.0\r\n\r\n',
            'GET /api/products HTTP/2.0\r\nHost: x\r\n\r\n',
            'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
            'GET /api/products HTTP/1.1\nHost: x\n\n',
            'GET /api/pro ducts HTTP/1.1\r\nHost: x\r\n\r\n',
            'GET /api/products HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n',
            'GET /api/products HTTP/1.1\r\n Host: x\r\n\r\n',
            'GET /api/products HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
            '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003',
            'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
            'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
            'POST /api/orders HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=' + 'e'.repeat(20_000) + '\r\nhello\r\n0\r\n\r\n',
          ]),
          'latin1',
        ),
      };
    }
    const method = this.method();
    const path = this.path();
    const body = method === 'GET' && this.chance(0.8) ? { kind: 'none', data: Buffer.alloc(0) } : this.body();
    const h = this.headers(body);
    const version = this.chance(0.05) ? 'HTTP/1.0' : 'HTTP/1.1';
    const head = Buffer.from(`${method} ${path} ${version}\r\n${h.lines.join('\r\n')}\r\nConnection: close\r\n\r\n`, 'utf8');
    let payload = h.framing === 'length' ? body.data : Buffer.alloc(0);
    if (h.framing === 'chunked') {
      const parts: Buffer[] = [];
      const size = Math.max(1, Math.ceil(body.data.length / this.int(1, 4)));
      for (let i = 0; i < body.data.length; i += size) {
        const piece = body.data.subarray(i, i + size);
        parts.push(Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n'));
      }
      parts.push(Buffer.from('0\r\n\r\n'));
      payload = Buffer.concat(parts);
    }
    return { kind: [method, path.slice(0, 40), body.kind, h.kind].filter(Boolean).join(' '), bytes: Buffer.concat([head, payload]) };
  }
}

interface Outcome {
  index: number;
  kind: string;
  status: number | 'no-answer';
  /** An error answer's body start when it is not in the contract's shape; '' otherwise. */
  offShape: string;
}

/** Sends raw bytes on a fresh connection; returns the status line's code and the body's start (or no-answer). */
function exchange(host: string, port: number, bytes: Buffer): Promise<{ status: number | 'no-answer'; body: string; head: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      // Skip interim 1xx answers (100 Continue).
      const final = text.replace(/^(HTTP\/1\.[01] 1\d\d[^\r]*\r\n(?:[^\r]+\r\n)*\r\n)+/, '');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(final);
      const split = final.indexOf('\r\n\r\n');
      const head = split < 0 ? final : final.slice(0, split);
      // The first answer's body only (a refused request's leftover bytes may get an answer of their own).
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const rest = split < 0 ? '' : final.slice(split + 4);
      resolve({ status: m ? Number(m[1]) : 'no-answer', head, body: length ? rest.slice(0, Number(length[1])) : rest.slice(0, 70_000) });
    };
    const timer = setTimeout(finish, ANSWER_TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', finish);
    // A server may answer and close before the whole (refused) body is written: that write error is fine.
    socket.write(bytes, () => undefined);
  });
}

/** The body part of an error answer must be the contract's shape (a chunked body is unwrapped first). */
function isContractError(head: string, body: string): boolean {
  let text = body;
  if (/transfer-encoding:\s*chunked/i.test(head)) text = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '').replace(/\r\n$/, '');
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof parsed.error?.code === 'string' && typeof parsed.error.message === 'string';
  } catch {
    return false;
  }
}

describe(`security: ${COUNT} hostile requests through the gateway (seed ${SEED})`, () => {
  let system: RunningSystem;
  let accessToken: string;

  beforeAll(async () => {
    system = await startSystem();
    // The fuzz comes from one address: lift the API's per-IP limit so that requests reach the services.
    const res = await fetch(`${system.gatewayUrl}/gateway/admin/config/config/gateway/rate-limits`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${system.secrets.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        value: [{ name: 'fuzz-per-ip', algorithm: 'token-bucket', match: { pathPrefix: '/' }, key: 'ip', capacity: 1_000_000, refillPerSec: 1_000_000, onRedisError: 'local' }],
      }),
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 1500));
    accessToken = (await signIn(system.gatewayUrl, 'c-1')).accessToken;
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('answers every request, never with a 5xx but 503/504, always in the contract shape; every app stays healthy', async () => {
    console.log(`fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED}), ${COUNT} requests`);
    const url = new URL(system.gatewayUrl);
    const gen = new Generator(SEED, system.secrets.adminToken, accessToken);
    const requests = Array.from({ length: COUNT }, () => gen.next());
    const outcomes: Outcome[] = [];
    const deadline = Date.now() + RUN_BUDGET_MS;
    let next = 0;
    const worker = async () => {
      while (next < requests.length && Date.now() < deadline) {
        const index = next++;
        const r = requests[index]!;
        const answer = await exchange(url.hostname, Number(url.port), r.bytes);
        const isError = typeof answer.status === 'number' && answer.status >= 400 && !r.kind.startsWith('HEAD ');
        const offShape = isError && !isContractError(answer.head, answer.body) ? `${answer.body.slice(0, 160)}` || '<empty body>' : '';
        outcomes.push({ index, kind: r.kind, status: answer.status, offShape });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    const byStatus: Record<string, number> = {};
    for (const o of outcomes) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
    console.log(`fuzz seed ${SEED}: ${outcomes.length} answered`, byStatus);

    const serverErrors = outcomes.filter((o) => o.status === 'no-answer' || (o.status >= 500 && o.status !== 503 && o.status !== 504));
    const offShape = outcomes.filter((o) => o.offShape !== '');
    const unhealthy: string[] = [];
    for (const p of system.processes) {
      const health = await fetch(p.healthUrl, { signal: AbortSignal.timeout(5000) }).catch((error: unknown) => ({ status: String(error) }));
      if (health.status !== 200) unhealthy.push(`${p.name}: ${health.status}`);
    }
    // One assertion over everything, so that a run shows every kind of finding at once.
    expect({
      answered: outcomes.length,
      serverErrors: serverErrors.map((o) => `#${o.index} ${o.kind} -> ${o.status}`),
      offShape: offShape.map((o) => `#${o.index} ${o.kind} -> ${o.status} ${o.offShape}`),
      unhealthy,
    }).toEqual({ answered: COUNT, serverErrors: [], offShape: [], unhealthy: [] });
  });
});
