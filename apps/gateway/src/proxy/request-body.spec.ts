import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ByteBudget, readRequestBody } from './request-body';
import { ClientSideError } from './upstream-failure';

const body = (...sizes: number[]) => Readable.from(sizes.map((n) => Buffer.alloc(n, 1))) as unknown as IncomingMessage;
const exchangeEnd = () => Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse;
const chunked = (budget: ByteBudget, limit = 500) => ({ declaredBytes: -1, limit, budget, timeoutMs: 10_000 });

describe('readRequestBody: every body read whole before forwarding, within one shared memory budget', () => {
  it('returns a chunked body and holds its bytes until the exchange ends', async () => {
    const budget = new ByteBudget(1000);
    const res = exchangeEnd();
    const read = await readRequestBody(body(100, 200), res, chunked(budget));
    expect(read.length).toBe(300);
    expect(budget.inUse).toBe(300);
    res.emit('close');
    expect(budget.inUse).toBe(0);
  });

  it('counts a small body with a Content-Length against the budget too, from before its first byte', async () => {
    const budget = new ByteBudget(1000);
    const res = exchangeEnd();
    const read = readRequestBody(body(300), res, { declaredBytes: 300, limit: 500, budget, timeoutMs: 10_000 });
    expect(budget.inUse).toBe(300);
    expect((await read).length).toBe(300);
    res.emit('close');
    expect(budget.inUse).toBe(0);
  });

  it('refuses a body over the limit with 413, holding nothing', async () => {
    const budget = new ByteBudget(10_000);
    await expect(readRequestBody(body(400, 400), exchangeEnd(), chunked(budget))).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(budget.inUse).toBe(0);
  });

  it('answers 503 while other bodies hold the budget, and admits again once they are done', async () => {
    const budget = new ByteBudget(500);
    const first = exchangeEnd();
    await readRequestBody(body(400), first, chunked(budget));
    const refused = readRequestBody(body(200), exchangeEnd(), chunked(budget));
    await expect(refused).rejects.toBeInstanceOf(ClientSideError);
    await expect(refused).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    const declared = readRequestBody(body(200), exchangeEnd(), { declaredBytes: 200, limit: 500, budget, timeoutMs: 10_000 });
    await expect(declared).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    expect(budget.inUse).toBe(400);
    first.emit('close');
    expect((await readRequestBody(body(200), exchangeEnd(), chunked(budget))).length).toBe(200);
  });

  it('answers 408 and closes the connection when the body stalls, giving its memory back', async () => {
    const budget = new ByteBudget(1000);
    const stalled = new Readable({ read() {} });
    stalled.push(Buffer.alloc(10));
    const read = readRequestBody(stalled as unknown as IncomingMessage, exchangeEnd(), { declaredBytes: 300, limit: 500, budget, timeoutMs: 50 });
    await expect(read).rejects.toMatchObject({ status: 408, code: 'request_timeout', closeConnection: true });
    expect(budget.inUse).toBe(0);
  });
});
