import type { DiscoverySource, ServiceInstance } from '../discovery/discovery.source';
import { Upstreams } from './upstreams';

// Only what Upstreams reads of a discovery source: the instances of a service and their changes.
function fakeDiscovery(instances: ServiceInstance[]): DiscoverySource {
  return {
    kind: 'file',
    watchService: () => undefined,
    instances: () => instances,
    onInstancesChange: () => () => undefined,
  } as unknown as DiscoverySource;
}

describe('Upstreams', () => {
  const a: ServiceInstance = { id: 'a', address: '127.0.0.1', port: 1, meta: {} };
  const b: ServiceInstance = { id: 'b', address: '127.0.0.1', port: 2, meta: {} };

  it('a changed connect timeout gives the instances new pools on refresh; unchanged options keep them', async () => {
    let connectTimeoutMs = 1000;
    const upstreams = new Upstreams(fakeDiscovery([a, b]), () => ({ maxConnections: 4, connectTimeoutMs }));
    upstreams.follow('inventory');
    const first = upstreams.of('inventory');
    expect(first.map((u) => u.connectTimeoutMs)).toEqual([1000, 1000]);

    upstreams.refresh('inventory');
    expect(upstreams.of('inventory')).toEqual(first);
    expect(upstreams.of('inventory')[0]).toBe(first[0]);

    connectTimeoutMs = 250;
    upstreams.refresh('inventory');
    const second = upstreams.of('inventory');
    expect(second.map((u) => u.connectTimeoutMs)).toEqual([250, 250]);
    expect(second[0]).not.toBe(first[0]);
    await upstreams.close();
    await Promise.all(first.map((u) => u.pool.destroy()));
  });
});
