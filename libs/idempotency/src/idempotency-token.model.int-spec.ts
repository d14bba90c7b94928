import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import Redis from 'ioredis';
import { BeginOutcome, IdempotencyTokenStore, StoredResponse } from './idempotency-token.store';

// Model-based property test: any sequence of begin / complete / release calls on one token gives, step by step,
// the answers of a tiny reference model of the state machine (real Redis, real Lua scripts; the lease is long
// enough never to expire here, so takeovers are out of scope: the example tests cover them).
const prefix = `test:idem-model:${randomUUID()}:`;
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000 });
const store = new IdempotencyTokenStore(redis, { tokenTtlMs: 60_000, processingLeaseMs: 60_000, doneRetentionMs: 60_000, keyPrefix: prefix });

type Op =
  | { op: 'begin'; customer: string; hash: string }
  | { op: 'complete'; hash: string; body: number }
  | { op: 'release'; hash: string };

interface Model {
  state: 'new' | 'processing' | 'done';
  hash?: string;
  response?: StoredResponse;
}

function modelBegin(m: Model, customer: string, hash: string): BeginOutcome {
  if (customer !== 'c-1') return { kind: 'wrong_customer' };
  if (m.state === 'new') {
    m.state = 'processing';
    m.hash = hash;
    return { kind: 'started' };
  }
  if (m.hash !== hash) return { kind: 'mismatch' };
  if (m.state === 'done') return { kind: 'replay', response: m.response! };
  return { kind: 'in_flight' };
}

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('begin' as const), customer: fc.constantFrom('c-1', 'c-2'), hash: fc.constantFrom('h1', 'h2') }),
  fc.record({ op: fc.constant('complete' as const), hash: fc.constantFrom('h1', 'h2'), body: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ op: fc.constant('release' as const), hash: fc.constantFrom('h1', 'h2') }),
);

beforeAll(() => redis.connect());
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('idempotency token state machine (model-based, real Redis)', () => {
  it('answers every sequence of calls exactly as the model does; at most one request holds the token at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const { token } = await store.issue('c-1');
        const model: Model = { state: 'new' };
        for (const step of ops) {
          if (step.op === 'begin') {
            expect(await store.begin(token, step.customer, step.hash)).toEqual(modelBegin(model, step.customer, step.hash));
          } else if (step.op === 'complete') {
            const response = { status: 201, body: { n: step.body } };
            const actual = await store.complete(token, step.hash, response);
            if (model.hash !== step.hash || model.state === 'new') {
              expect(actual).toEqual({ kind: 'not_owner' });
            } else if (model.state === 'done') {
              expect(actual).toEqual({ kind: 'already_done', response: model.response });
            } else {
              expect(actual).toEqual({ kind: 'completed' });
              model.state = 'done';
              model.response = response;
            }
          } else {
            const actual = await store.release(token, step.hash);
            if (model.state === 'processing' && model.hash === step.hash) {
              expect(actual).toBe('released');
              model.state = 'new';
              model.hash = undefined;
            } else {
              expect(actual).toBe('not_owner');
            }
          }
          expect(await redis.hget(`${prefix}${token}`, 'state')).toBe(model.state);
        }
      }),
      { numRuns: 60 },
    );
  });
});
