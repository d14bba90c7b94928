import { backoffMs, decideRetry, DEFAULT_RETRY_POLICY, parseRetryAfterMs, RetryInput } from './retry-policy';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const input = (over: Partial<RetryInput>): RetryInput => ({
  method: 'POST',
  hasIdempotencyKey: false,
  result: { kind: 'answer', status: 503, retryAfter: null },
  attempts: 1,
  elapsedMs: 0,
  policy: DEFAULT_RETRY_POLICY,
  random: 0.5,
  nowMs: NOW,
  ...over,
});
const answer = (status: number, retryAfter: string | null = null) => ({ kind: 'answer' as const, status, retryAfter });

describe('which answers a client retries', () => {
  it('retries 429 and 503-with-Retry-After for any request: the server turned it away before doing anything', () => {
    expect(decideRetry(input({ result: answer(429) })).retry).toBe(true);
    expect(decideRetry(input({ result: answer(503, '1') })).retry).toBe(true);
  });

  it('retries 502, 504, a bare 503 and a lost connection only when repeating cannot do the work twice', () => {
    for (const result of [answer(502), answer(504), answer(503), { kind: 'no-answer' as const, reason: 'connection' as const }]) {
      expect(decideRetry(input({ result, method: 'POST' })).retry).toBe(false);
      expect(decideRetry(input({ result, method: 'POST', hasIdempotencyKey: true })).retry).toBe(true);
      expect(decideRetry(input({ result, method: 'GET' })).retry).toBe(true);
    }
  });

  it('retries a lost connection of a POST the caller declares harmless to repeat (issuing a token)', () => {
    expect(decideRetry(input({ result: { kind: 'no-answer', reason: 'connection' }, repeatable: true })).retry).toBe(true);
  });

  it('retries a 409 with Retry-After on a keyed request: the first attempt with that key is still in flight', () => {
    expect(decideRetry(input({ result: answer(409, '1'), hasIdempotencyKey: true })).retry).toBe(true);
    expect(decideRetry(input({ result: answer(409, '1') })).retry).toBe(false);
    expect(decideRetry(input({ result: answer(409), hasIdempotencyKey: true })).retry).toBe(false);
  });

  it('never retries a success, a client error or a 500', () => {
    for (const status of [200, 201, 400, 404, 422, 500, 501]) {
      expect(decideRetry(input({ result: answer(status, '1'), hasIdempotencyKey: true, method: 'GET' }))).toEqual({ retry: false, why: 'final answer' });
    }
  });
});

describe('how long it waits', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, policy, 0.999))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffMs(3, policy, 0)).toBe(0);
  });

  it('never retries sooner than Retry-After asks, in seconds or as an HTTP date', () => {
    const seconds = decideRetry(input({ result: answer(503, '2'), random: 0 }));
    expect(seconds).toEqual({ retry: true, delayMs: 2000, why: '503 with Retry-After' });
    const date = decideRetry(input({ result: answer(429, new Date(NOW + 3000).toUTCString()), random: 0 }));
    expect(date).toMatchObject({ retry: true, delayMs: 3000 });
  });

  it('gives up when the attempts are spent or the wait would cross the time budget', () => {
    expect(decideRetry(input({ result: answer(429), attempts: DEFAULT_RETRY_POLICY.maxAttempts })).retry).toBe(false);
    expect(decideRetry(input({ result: answer(503, '5'), elapsedMs: DEFAULT_RETRY_POLICY.budgetMs - 4000 })).retry).toBe(false);
  });

  it('reads Retry-After leniently and ignores what it cannot read', () => {
    expect(parseRetryAfterMs('1.5', NOW)).toBe(1500);
    expect(parseRetryAfterMs(' 3 ', NOW)).toBe(3000);
    expect(parseRetryAfterMs('soon', NOW)).toBeUndefined();
    expect(parseRetryAfterMs(null, NOW)).toBeUndefined();
    expect(parseRetryAfterMs(new Date(NOW - 5000).toUTCString(), NOW)).toBe(0);
  });
});
