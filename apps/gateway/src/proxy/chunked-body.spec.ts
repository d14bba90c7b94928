import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ByteBudget, ClientSideError, readChunkedBody } from './proxy.handler';

const body = (...sizes: number[]) => Readable.from(sizes.map((n) => Buffer.alloc(n, 1))) as unknown as IncomingMessage;
const exchangeEnd = () => Object.assign(new EventEmitter(), { closed: false }) as unknown as ServerResponse;

describe('readChunkedBody: a chunked body read whole, within the shared memory budget', () => {
  it('returns the body and holds its bytes until the exchange ends', async () => {
    const budget = new ByteBudget(1000);
    const res = exchangeEnd();
    const read = await readChunkedBody(body(100, 200), res, 500, budget);
    expect(read.length).toBe(300);
    expect(budget.inUse).toBe(300);
    res.emit('close');
    expect(budget.inUse).toBe(0);
  });

  it('refuses a body over the limit with 413, holding nothing', async () => {
    const budget = new ByteBudget(10_000);
    await expect(readChunkedBody(body(400, 400), exchangeEnd(), 500, budget)).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(budget.inUse).toBe(0);
  });

  it('answers 503 while other bodies hold the budget, and admits again once they are done', async () => {
    const budget = new ByteBudget(500);
    const first = exchangeEnd();
    await readChunkedBody(body(400), first, 500, budget);
    const refused = readChunkedBody(body(200), exchangeEnd(), 500, budget);
    await expect(refused).rejects.toBeInstanceOf(ClientSideError);
    await expect(refused).rejects.toMatchObject({ status: 503, code: 'overloaded' });
    expect(budget.inUse).toBe(400);
    first.emit('close');
    expect((await readChunkedBody(body(200), exchangeEnd(), 500, budget)).length).toBe(200);
  });
});
