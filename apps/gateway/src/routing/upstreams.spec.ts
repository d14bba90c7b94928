import type { DiscoverySource, ServiceInstance } from '../discovery/discovery.source';
import { DEFAULT_OUTLIER_POLICY } from './outlier-detector';
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

  it('an instance with three gateway failures in a row leaves the balancers\' list until its ejection ends; the other never does', async () => {
    let now = 1_000_000;
    const ejected: string[] = [];
    const upstreams = new Upstreams(
      fakeDiscovery([a, b]),
      () => ({ maxConnections: 4, connectTimeoutMs: 1000 }),
      () => undefined,
      DEFAULT_OUTLIER_POLICY,
      (_service, u) => ejected.push(u.instance.id),
      () => now,
    );
    upstreams.follow('inventory');
    const [ua, ub] = upstreams.of('inventory');
    for (let i = 0; i < 3; i++) upstreams.recordGatewayFailure('inventory', ua!);
    expect(upstreams.of('inventory')).toEqual([ub]);
    expect(upstreams.all('inventory')).toEqual([ua, ub]);
    expect(ejected).toEqual(['a']);
    expect(upstreams.ejections('inventory')).toBe(1);
    // the last instance in service is never ejected
    for (let i = 0; i < 10; i++) upstreams.recordGatewayFailure('inventory', ub!);
    expect(upstreams.of('inventory')).toEqual([ub]);
    // back after the base ejection time (the list is recomputed on the next change)
    now += DEFAULT_OUTLIER_POLICY.baseEjectionMs + 1;
    upstreams.refresh('inventory');
    expect(upstreams.of('inventory')).toEqual([ua, ub]);
    await upstreams.close();
  });
});
