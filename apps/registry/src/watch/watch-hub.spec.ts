import { TooManyClientWaitersError, TooManyWaitersError, WatchHub } from './watch-hub';

describe('WatchHub', () => {
  it('wakes a key waiter on a change past its index, not on an older one or another key', async () => {
    const hub = new WatchHub(10);
    let woke: boolean | undefined;
    const waiting = hub.wait({ kind: 'kv', key: 'a', recurse: false }, 5, 60_000).then((v) => (woke = v));
    hub.notify({ kind: 'kv', key: 'a', index: 5 });
    hub.notify({ kind: 'kv', key: 'b', index: 6 });
    await Promise.resolve();
    expect(woke).toBeUndefined();
    hub.notify({ kind: 'kv', key: 'a', index: 6 });
    await waiting;
    expect(woke).toBe(true);
    expect(hub.waiting).toBe(0);
  });

  it('wakes a prefix waiter on any key under the prefix', async () => {
    const hub = new WatchHub(10);
    const waiting = hub.wait({ kind: 'kv', key: 'config/', recurse: true }, 1, 60_000);
    hub.notify({ kind: 'kv', key: 'other', index: 2 });
    hub.notify({ kind: 'kv', key: 'config/x', index: 3 });
    await expect(waiting).resolves.toBe(true);
  });

  it('wakes service and services-list waiters on a service change', async () => {
    const hub = new WatchHub(10);
    const one = hub.wait({ kind: 'service', service: 'order' }, 1, 60_000);
    const all = hub.wait({ kind: 'services' }, 1, 60_000);
    hub.notify({ kind: 'service', service: 'order', index: 2 });
    await expect(one).resolves.toBe(true);
    await expect(all).resolves.toBe(true);
  });

  it('answers false when the wait ends or the client goes away, and frees the slot', async () => {
    const hub = new WatchHub(10);
    await expect(hub.wait({ kind: 'services' }, 1, 5)).resolves.toBe(false);
    const abort = new AbortController();
    const waiting = hub.wait({ kind: 'services' }, 1, 60_000, abort.signal);
    abort.abort();
    await expect(waiting).resolves.toBe(false);
    expect(hub.waiting).toBe(0);
  });

  it('releases every waiter at shutdown, so that the server can close', async () => {
    const hub = new WatchHub(10);
    const waits = [hub.wait({ kind: 'services' }, 1, 60_000), hub.wait({ kind: 'kv', key: 'a/', recurse: true }, 1, 60_000), hub.wait({ kind: 'service', service: 's' }, 1, 60_000)];
    hub.releaseAll();
    await expect(Promise.all(waits)).resolves.toEqual([false, false, false]);
    expect(hub.waiting).toBe(0);
  });

  it('refuses waiters beyond its bound', async () => {
    const hub = new WatchHub(1);
    const abort = new AbortController();
    const first = hub.wait({ kind: 'services' }, 1, 60_000, abort.signal);
    await expect(hub.wait({ kind: 'services' }, 1, 60_000)).rejects.toBeInstanceOf(TooManyWaitersError);
    abort.abort();
    await first;
  });

  it("caps the blocking queries of one client, so that it cannot take the node's every slot; a slot freed is its again", async () => {
    const hub = new WatchHub(10, 2);
    const topic = { kind: 'services' } as const;
    const gone = new AbortController();
    const first = hub.wait(topic, 1, 60_000, gone.signal, '10.0.0.1');
    const second = hub.wait(topic, 1, 60_000, undefined, '10.0.0.1');
    await expect(hub.wait(topic, 1, 60_000, undefined, '10.0.0.1')).rejects.toThrow(TooManyClientWaitersError);
    // Another client still gets a slot.
    const other = hub.wait(topic, 1, 60_000, undefined, '10.0.0.2');
    expect(hub.waiting).toBe(3);
    gone.abort();
    await expect(first).resolves.toBe(false);
    const again = hub.wait(topic, 1, 60_000, undefined, '10.0.0.1');
    hub.notify({ kind: 'service', service: 'order', index: 2 });
    await expect(Promise.all([second, other, again])).resolves.toEqual([true, true, true]);
    expect(hub.waiting).toBe(0);
  });
});
