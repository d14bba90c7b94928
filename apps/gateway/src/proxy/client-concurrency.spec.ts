import { ClientConcurrency } from './client-concurrency';

describe('per-client concurrency cap', () => {
  it('admits up to the cap per client, independently per client, and frees a slot when a request ends', () => {
    const cap = new ClientConcurrency(2);
    expect(cap.tryEnter('a')).toBe(true);
    expect(cap.tryEnter('a')).toBe(true);
    expect(cap.tryEnter('a')).toBe(false);
    expect(cap.tryEnter('b')).toBe(true);
    cap.leave('a');
    expect(cap.tryEnter('a')).toBe(true);
  });

  it('forgets a client with nothing in flight, so the map is bounded by the requests in flight', () => {
    const cap = new ClientConcurrency(5);
    for (let i = 0; i < 100; i++) {
      cap.tryEnter(`c-${i}`);
      cap.leave(`c-${i}`);
    }
    expect(cap.clients).toBe(0);
    cap.leave('never-seen');
    expect(cap.clients).toBe(0);
  });
});
