import { fetchWithRetry, NoAnswerError, withRetry } from './with-retry';

/** A clock that only moves when the client sleeps: no real timers. */
function fakeTime() {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    random: () => 0.5,
  };
}

const reply = (status: number, headers: Record<string, string> = {}) => new Response(status === 204 ? null : JSON.stringify({ status }), { status, headers });

describe('withRetry', () => {
  it('sends the same Idempotency-Key on every attempt until an answer is final', async () => {
    const answers = [reply(503, { 'Retry-After': '1' }), reply(502), reply(201)];
    const seen: (string | null)[] = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers).get('idempotency-key'));
      return answers.shift()!;
    }) as unknown as typeof fetch;
    const time = fakeTime();
    const outcome = await fetchWithRetry('http://shop/api/orders', { method: 'POST', body: '{}', idempotencyKey: 'key-1' }, { ...time, fetch: fakeFetch });
    expect(outcome.response.status).toBe(201);
    expect(outcome.attempts).toBe(3);
    expect(seen).toEqual(['key-1', 'key-1', 'key-1']);
    expect(time.slept[0]).toBeGreaterThanOrEqual(1000);
  });

  it('returns the last answer when the budget runs out, so the caller sees the real status', async () => {
    const time = fakeTime();
    const outcome = await withRetry({ method: 'GET' }, async () => reply(503, { 'Retry-After': '3' }), { ...time, policy: { budgetMs: 10_000 } });
    expect(outcome.response.status).toBe(503);
    // Waits of 3 s + jitter: attempts at 0, 3.1, 6.2 and 9.3 s; one more wait would cross 10 s.
    expect(outcome.attempts).toBe(4);
    expect(time.now()).toBeLessThan(10_000);
  });

  it('does not repeat a POST without a key after a lost connection: it may have been done', async () => {
    let calls = 0;
    const failing = async (): Promise<Response> => {
      calls++;
      throw new TypeError('fetch failed');
    };
    await expect(withRetry({ method: 'POST' }, failing, fakeTime())).rejects.toBeInstanceOf(NoAnswerError);
    expect(calls).toBe(1);
  });

  it('repeats a keyed POST after a lost connection, and says why it gave up', async () => {
    let calls = 0;
    const failing = async (): Promise<Response> => {
      calls++;
      throw new TypeError('connect ECONNREFUSED');
    };
    const error = await withRetry({ method: 'POST', idempotencyKey: 'k' }, failing, { ...fakeTime(), policy: { maxAttempts: 4 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoAnswerError);
    expect((error as NoAnswerError).attempts).toBe(4);
    expect(calls).toBe(4);
  });

  it('gives each attempt its own deadline and retries an attempt that timed out', async () => {
    let calls = 0;
    const hangsOnce = (signal: AbortSignal): Promise<Response> => {
      calls++;
      if (calls > 1) return Promise.resolve(reply(200));
      return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    };
    const outcome = await withRetry({ method: 'GET' }, hangsOnce, { ...fakeTime(), policy: { attemptTimeoutMs: 20 } });
    expect(outcome.response.status).toBe(200);
    expect(outcome.retries[0]!.why).toBe('no answer (timeout)');
  });
});
