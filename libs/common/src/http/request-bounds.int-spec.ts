import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'class-transformer';
import { rawExchange } from '@shop/testing';
import { ArrayMaxSize, IsArray, IsString, ValidateNested } from 'class-validator';
import { bootstrapApp } from '../bootstrap/bootstrap-app';
import { CommonModule } from '../common.module';
import { BodyBounds } from './body-bounds';

class LineDto {
  @IsString()
  sku!: string;
}

class BasketDto {
  @IsString()
  customerId!: string;

  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => LineDto)
  items!: LineDto[];
}

@Controller('baskets')
class BasketController {
  @Post()
  @BodyBounds({ maxBytes: 16 * 1024, maxDepth: 3, maxArrayLength: 100 })
  place(@Body() body: BasketDto) {
    return { lines: body.items.length };
  }

  /** Declares nothing: the app's defaults apply. */
  @Post('loose')
  loose(@Body() body: BasketDto) {
    return { lines: body.items.length };
  }

  @Get(':id')
  byId(@Param('id') id: string) {
    return { id };
  }
}

@Module({ imports: [CommonModule.forRoot()], controllers: [BasketController] })
class AppModule {}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
const bodyOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as unknown;
const nested = (depth: number) => `{"customerId":"c-0","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };

/**
 * Every app's HTTP edge (bootstrapApp): bodies bounded per route before they are parsed or validated, and every
 * error the parser or router raises in the contract's shape.
 */
describe('request bounds and parser errors of every app', () => {
  let app: NestFastifyApplication;
  let port: number;
  let base: string;
  const post = (path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${base}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });

  beforeAll(async () => {
    app = await bootstrapApp({ name: 'bounds-test', module: AppModule, port: 0, host: '127.0.0.1', logLevel: 'fatal' });
    base = await app.getUrl();
    port = Number(new URL(base).port);
  });
  afterAll(() => app?.close());

  it('answers 400 in the contract shape to a body nested thousands of levels (not a stack overflow 500)', async () => {
    for (const [path, depth] of [['/baskets', 5000], ['/baskets/loose', 20_000]] as const) {
      const res = await post(path, nested(depth));
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { code: 'body_too_complex', message: expect.stringMatching(/nested deeper/) } });
    }
  });

  it('refuses an array of 100 000 elements before validating any of them', async () => {
    const body = `{"customerId":"c-0","items":[${Array.from({ length: 100_000 }, () => '{}').join(',')}]}`;
    const res = await post('/baskets/loose', body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'body_too_complex', message: expect.stringMatching(/more than 1000 elements/) } });
  });

  it("sizes the byte limit to the route: 413 over the route's 16 KiB, in the contract shape", async () => {
    const res = await post('/baskets', JSON.stringify({ customerId: 'c-0', items: [], pad: 'x'.repeat(17 * 1024) }));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
  });

  it('still serves a well-formed body, and leaves the 21st line to the DTO (a precise 400)', async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S-${i}` }));
    const ok = await post('/baskets', JSON.stringify({ customerId: 'c-0', items: lines(3) }));
    expect([ok.status, await ok.json()]).toEqual([201, { lines: 3 }]);
    const tooMany = await post('/baskets', JSON.stringify({ customerId: 'c-0', items: lines(21) }));
    expect(tooMany.status).toBe(400);
    expect(((await tooMany.json()) as { error: { message: string } }).error.message).toMatch(/no more than 20/);
  });

  it('answers bad JSON, prototype poisoning and an unknown content type in the contract shape', async () => {
    const bad = await post('/baskets', '{"customerId":');
    expect([bad.status, await bad.json()]).toEqual([400, errorShape]);
    const poisoned = await post('/baskets', '{"customerId":"c-0","items":[],"__proto__":{"x":1}}');
    expect([poisoned.status, await poisoned.json()]).toEqual([400, errorShape]);
    const form = await post('/baskets', 'customerId=c-0', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, await form.json()]).toEqual([415, errorShape]);
    // Text is no way around the scan either.
    const text = await post('/baskets/loose', nested(20_000), { 'content-type': 'text/plain' });
    expect([text.status, await text.json()]).toEqual([415, errorShape]);
  });

  it('answers parser-level errors in the contract shape: bad framing 400, huge headers 431, long segment 414, bad URL 400', async () => {
    const requestLine = await rawExchange(port, 'GET /baskets/1 HTTP/1.1 trailing\r\n\r\n');
    expect([statusOf(requestLine), bodyOf(requestLine)]).toEqual([400, errorShape]);
    const framing = await rawExchange(port, 'POST /baskets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
    expect([statusOf(framing), bodyOf(framing)]).toEqual([400, errorShape]);
    const headers = await rawExchange(port, `GET /baskets/1 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect([statusOf(headers), bodyOf(headers)]).toEqual([431, { error: { code: 'headers_too_large', message: expect.any(String) } }]);
    const longSegment = await fetch(`${base}/baskets/${'a'.repeat(500)}`);
    expect([longSegment.status, await longSegment.json()]).toEqual([414, { error: { code: 'uri_too_long', message: expect.any(String) } }]);
    const badUrl = await rawExchange(port, 'GET /baskets/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect([statusOf(badUrl), bodyOf(badUrl)]).toEqual([400, errorShape]);
  });

  it('answers CONNECT 405 in the contract shape instead of resetting the connection', async () => {
    const answer = await rawExchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect([statusOf(answer), bodyOf(answer)]).toEqual([405, { error: { code: 'method_not_allowed', message: expect.any(String) } }]);
  });
});
