import type { InstanceRecord } from '../state-machine/registry-state-machine';
import { LeaseKeeper } from './lease-keeper';

const instance = (id: string, renewIndex: number, ttlMs = 1000): InstanceRecord => ({
  service: 'order',
  id,
  address: '127.0.0.1',
  port: 1,
  meta: {},
  ttlMs,
  registerIndex: 1,
  renewIndex,
});

describe('LeaseKeeper', () => {
  let clock = 0;
  const keeper = () => new LeaseKeeper(() => clock);
  beforeEach(() => (clock = 0));

  it('on a follower, never proposes anything', () => {
    const k = keeper();
    k.noteRenewal('order', 'i1', instance('i1', 1));
    clock = 10_000;
    expect(k.due([instance('i1', 1)], 10)).toEqual([]);
  });

  it('on the leader, expires a lease once its TTL passed since the last renewal it saw applied', () => {
    const k = keeper();
    k.observeRole(true);
    k.noteRenewal('order', 'i1', instance('i1', 1));
    clock = 999;
    expect(k.due([instance('i1', 1)], 10)).toEqual([]);
    clock = 1000;
    expect(k.due([instance('i1', 1)], 10)).toEqual([{ service: 'order', instanceId: 'i1', renewIndex: 1 }]);
  });

  it('a heartbeat restarts the lease', () => {
    const k = keeper();
    k.observeRole(true);
    k.noteRenewal('order', 'i1', instance('i1', 1));
    clock = 900;
    k.noteRenewal('order', 'i1', instance('i1', 5));
    clock = 1500;
    expect(k.due([instance('i1', 5)], 10)).toEqual([]);
    clock = 1900;
    expect(k.due([instance('i1', 5)], 10)).toHaveLength(1);
  });

  it('gives every lease a full TTL of grace after a leader change, however old its last renewal', () => {
    const k = keeper();
    k.noteRenewal('order', 'i1', instance('i1', 1)); // renewed at 0, while a follower
    clock = 5000; // long silence: the old leader died
    k.observeRole(true);
    clock = 5999;
    expect(k.due([instance('i1', 1)], 10)).toEqual([]);
    clock = 6000;
    expect(k.due([instance('i1', 1)], 10)).toHaveLength(1);
  });

  it('counts a renewal it never saw applied (restored from a snapshot) from now', () => {
    const k = keeper();
    k.observeRole(true);
    clock = 3000;
    expect(k.due([instance('i1', 7)], 10)).toEqual([]);
    clock = 3999;
    expect(k.due([instance('i1', 7)], 10)).toEqual([]);
    clock = 4000;
    expect(k.due([instance('i1', 7)], 10)).toHaveLength(1);
  });

  it('bounds one expiry batch', () => {
    const k = keeper();
    k.observeRole(true);
    const all = Array.from({ length: 5 }, (_, i) => instance(`i${i}`, 1));
    all.forEach((i) => k.noteRenewal('order', i.id, i));
    clock = 2000;
    expect(k.due(all, 3)).toHaveLength(3);
  });

  it('stepping down ends the leader role; stepping up again restarts the grace', () => {
    const k = keeper();
    k.observeRole(true);
    k.noteRenewal('order', 'i1', instance('i1', 1));
    k.observeRole(false);
    clock = 5000;
    expect(k.due([instance('i1', 1)], 10)).toEqual([]);
    k.observeRole(true);
    clock = 5500;
    expect(k.due([instance('i1', 1)], 10)).toEqual([]);
  });
});
