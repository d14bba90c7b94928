import { BreakerTransition, createBreaker } from './create-breaker';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function upstream() {
  const u = { calls: 0, mode: 'ok' as 'ok' | 'fail' | 'slow', slowMs: 300 };
  const fn = async (): Promise<string> => {
    u.calls++;
    if (u.mode === 'fail') throw new Error('upstream failed');
    if (u.mode === 'slow') await sleep(u.slowMs);
    return 'ok';
  };
  return { u, fn };
}

function until(transitions: BreakerTransition[], to: string): Promise<void> {
  return new Promise((resolve) => {
    const poll = () => (transitions.some((t) => t.to === to) ? resolve() : setTimeout(poll, 5));
    poll();
  });
}

// Margins wide enough for a loaded machine: a fast call stays far below slowCallMs even with event-loop lag,
// and the breaker stays open (resetTimeout) far longer than the steps that check it fails fast.
const options = { volumeThreshold: 5, slowCallMinCalls: 5, slowCallMs: 150, resetTimeout: 1000, timeout: 5000 };

describe('createBreaker (服务熔断)', () => {
  it('opens when the upstream starts failing, fails fast while open, closes after a successful probe', async () => {
    const { u, fn } = upstream();
    const transitions: BreakerTransition[] = [];
    const b = createBreaker('test-failing', fn, options, { onTransition: (t) => transitions.push(t) });
    for (let i = 0; i < 5; i++) await b.fire();
    u.mode = 'fail';
    // opossum opens when the error rate EXCEEDS the threshold: the 6th failure of 11 calls (> 50 %).
    for (let i = 0; i < 6; i++) await b.fire().catch(() => undefined);
    expect(b.state()).toBe('open');
    expect(transitions[0]).toMatchObject({ from: 'closed', to: 'open', reason: 'errors' });

    const callsWhenOpened = u.calls;
    await expect(b.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    expect(u.calls).toBe(callsWhenOpened);
    expect(b.retryAfterMs()).toBeGreaterThan(0);

    u.mode = 'ok';
    await until(transitions, 'half-open');
    await expect(b.fire()).resolves.toBe('ok');
    expect(b.state()).toBe('closed');
    expect(transitions.map((t) => t.to)).toEqual(['open', 'half-open', 'closed']);
    b.shutdown();
  });

  it('opens when half the calls are slow, without aborting them (the rule opossum lacks)', async () => {
    const { u, fn } = upstream();
    u.mode = 'slow';
    const transitions: BreakerTransition[] = [];
    const b = createBreaker('test-slow', fn, options, { onTransition: (t) => transitions.push(t) });
    const results = await Promise.all(Array.from({ length: 5 }, () => b.fire()));
    expect(results).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(b.state()).toBe('open');
    expect(transitions[0]).toMatchObject({ to: 'open', reason: 'slow-calls' });
    await expect(b.fire()).rejects.toMatchObject({ code: 'EOPENBREAKER' });
    b.shutdown();
  });

  it('a probe that succeeds slowly opens it again; a fast one closes it', async () => {
    const { u, fn } = upstream();
    u.mode = 'slow';
    const transitions: BreakerTransition[] = [];
    const b = createBreaker('test-slow-probe', fn, options, { onTransition: (t) => transitions.push(t) });
    await Promise.all(Array.from({ length: 5 }, () => b.fire()));
    await until(transitions, 'half-open');
    await b.fire();
    expect(b.state()).toBe('open');
    expect(transitions.at(-1)).toMatchObject({ from: 'closed', to: 'open', reason: 'slow-calls' });

    u.mode = 'ok';
    transitions.length = 0;
    await until(transitions, 'half-open');
    await b.fire();
    expect(b.state()).toBe('closed');
    b.shutdown();
  });

  it('does not open below the minimum volume (opossum would open on the first failure)', async () => {
    const { u, fn } = upstream();
    u.mode = 'fail';
    const b = createBreaker('test-volume', fn, options);
    for (let i = 0; i < 4; i++) await b.fire().catch(() => undefined);
    expect(b.state()).toBe('closed');
    b.shutdown();
  });

  it('errors the errorFilter excuses are neither failures nor slow calls, however long they took', async () => {
    class Excused extends Error {}
    const b = createBreaker(
      'test-excused',
      async () => {
        await sleep(200);
        throw new Excused('the caller stalled');
      },
      options,
      { errorFilter: (e) => e instanceof Excused },
    );
    for (let i = 0; i < 10; i++) await b.fire().catch(() => undefined);
    expect(b.state()).toBe('closed');
    expect(b.slowCalls()).toEqual({ calls: 0, slow: 0 });
    expect(b.breaker.stats.failures).toBe(0);
    b.shutdown();
  });
});
