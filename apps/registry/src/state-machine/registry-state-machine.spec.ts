import fc from 'fast-check';
import { decodeCommand, encodeCommand } from './command-codec';
import { Command, CommandType } from './commands';
import { Change, DEFAULT_LIMITS, RegistryStateMachine } from './registry-state-machine';

function runner(sm = new RegistryStateMachine()) {
  let index = 0;
  return {
    sm,
    apply: (cmd: Command) => sm.apply({ index: ++index, data: encodeCommand(cmd) }),
    get index() {
      return index;
    },
  };
}

const put = (key: string, value: unknown, cas?: number): Command => ({ type: CommandType.KvPut, key, value: JSON.stringify(value), cas });
const register = (service: string, instanceId: string, port = 80): Command => ({
  type: CommandType.ServiceRegister,
  service,
  instanceId,
  address: '10.0.0.1',
  port,
  meta: { zone: 'a' },
  ttlMs: 5000,
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    type: fc.constant(CommandType.KvPut as const),
    key: fc.constantFrom('a', 'b', 'config/x', 'config/y'),
    value: fc.jsonValue().map((v) => JSON.stringify(v)),
    cas: fc.option(fc.nat(30), { nil: undefined }),
  }),
  fc.record({ type: fc.constant(CommandType.KvDelete as const), key: fc.constantFrom('a', 'config/x'), cas: fc.option(fc.nat(30), { nil: undefined }) }),
  fc.record({ type: fc.constant(CommandType.KvRollback as const), key: fc.constantFrom('config/x', 'config/y'), toModIndex: fc.nat(30), cas: fc.constant(undefined) }),
  fc.record({
    type: fc.constant(CommandType.ServiceRegister as const),
    service: fc.constantFrom('order', 'payment'),
    instanceId: fc.constantFrom('i1', 'i2'),
    address: fc.constant('127.0.0.1'),
    port: fc.integer({ min: 1, max: 65535 }),
    meta: fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
    ttlMs: fc.integer({ min: 1000, max: 60000 }),
  }),
  fc.record({ type: fc.constant(CommandType.ServiceHeartbeat as const), service: fc.constantFrom('order', 'payment'), instanceId: fc.constantFrom('i1', 'i2') }),
  fc.record({ type: fc.constant(CommandType.ServiceDeregister as const), service: fc.constantFrom('order'), instanceId: fc.constantFrom('i1', 'i2') }),
  fc.record({
    type: fc.constant(CommandType.LeaseExpire as const),
    leases: fc.array(fc.record({ service: fc.constantFrom('order', 'payment'), instanceId: fc.constantFrom('i1', 'i2'), renewIndex: fc.nat(30) }), { maxLength: 3 }),
  }),
);

describe('command codec', () => {
  it('decodes what it encodes, for every command', () => {
    fc.assert(fc.property(commandArb, (cmd) => expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd)));
  });

  it('keeps indexes above 2^32 intact', () => {
    const cmd = put('k', 1, 2 ** 40 + 3);
    expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it('refuses truncated or unknown input instead of guessing', () => {
    const bytes = encodeCommand(put('key', 'value'));
    expect(() => decodeCommand(bytes.subarray(0, bytes.length - 2))).toThrow(/malformed/);
    expect(() => decodeCommand(new Uint8Array([99]))).toThrow(/unknown type/);
  });
});

describe('RegistryStateMachine', () => {
  it('is deterministic: the same commands give the same state and the same snapshot bytes', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 60 }), (commands) => {
        const a = runner();
        const b = runner();
        const resultsA = commands.map((c) => a.apply(c));
        const resultsB = commands.map((c) => b.apply(c));
        expect(resultsB).toEqual(resultsA);
        expect(Buffer.from(b.sm.snapshot())).toEqual(Buffer.from(a.sm.snapshot()));
      }),
    );
  });

  it('restores from a snapshot to the same state, and goes on applying identically', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 40 }), fc.array(commandArb, { maxLength: 20 }), (before, after) => {
        const original = runner();
        before.forEach((c) => original.apply(c));
        const restored = new RegistryStateMachine();
        restored.restore(original.sm.snapshot());
        expect(restored.appliedIndex).toBe(original.sm.appliedIndex);
        let index = original.index;
        for (const c of after) {
          const entry = { index: ++index, data: encodeCommand(c) };
          expect(restored.apply(entry)).toEqual(original.sm.apply(entry));
        }
        expect(Buffer.from(restored.snapshot())).toEqual(Buffer.from(original.sm.snapshot()));
      }),
    );
  });

  it('stamps createIndex and modIndex with the log index of the entry, never a clock', () => {
    const r = runner();
    r.apply(put('other', 0));
    expect(r.apply(put('k', 'v1'))).toEqual({ ok: true, modIndex: 2 });
    expect(r.apply(put('k', 'v2'))).toEqual({ ok: true, modIndex: 3 });
    expect(r.sm.get('k')).toEqual({ key: 'k', value: '"v2"', createIndex: 2, modIndex: 3 });
  });

  describe('check-and-set', () => {
    it('cas=0 creates only when absent', () => {
      const r = runner();
      expect(r.apply(put('k', 1, 0))).toEqual({ ok: true, modIndex: 1 });
      expect(r.apply(put('k', 2, 0))).toEqual({ ok: false, modIndex: 1, reason: 'cas' });
      expect(r.sm.get('k')?.value).toBe('1');
    });

    it('cas=M writes only when the current modIndex is M, and reports the current one when not', () => {
      const r = runner();
      r.apply(put('k', 1));
      expect(r.apply(put('k', 2, 7))).toEqual({ ok: false, modIndex: 1, reason: 'cas' });
      expect(r.apply(put('k', 2, 1))).toEqual({ ok: true, modIndex: 3 });
    });

    it('applies to deletes too', () => {
      const r = runner();
      r.apply(put('k', 1));
      expect(r.apply({ type: CommandType.KvDelete, key: 'k', cas: 5 })).toEqual({ ok: false, modIndex: 1, reason: 'cas' });
      expect(r.sm.get('k')).toBeDefined();
      expect(r.apply({ type: CommandType.KvDelete, key: 'k', cas: 1 })).toEqual({ ok: true, existed: true });
      expect(r.sm.get('k')).toBeUndefined();
    });
  });

  describe('config history', () => {
    it('keeps the last versions of keys under config/, newest first, deletes included', () => {
      const r = runner(new RegistryStateMachine({ ...DEFAULT_LIMITS, historyDepth: 3 }));
      for (let v = 1; v <= 4; v++) r.apply(put('config/svc/x', v));
      r.apply({ type: CommandType.KvDelete, key: 'config/svc/x' });
      expect(r.sm.versions('config/svc/x')).toEqual([
        { modIndex: 5, value: null },
        { modIndex: 4, value: '4' },
        { modIndex: 3, value: '3' },
      ]);
    });

    it('keeps no history outside config/', () => {
      const r = runner();
      r.apply(put('plain', 1));
      expect(r.sm.versions('plain')).toBeUndefined();
    });

    it('rolls back as an ordinary write: a new modIndex with the old value', () => {
      const r = runner();
      r.apply(put('config/a', { v: 1 }));
      r.apply(put('config/a', { v: 2 }));
      r.apply({ type: CommandType.KvDelete, key: 'config/a' });
      expect(r.apply({ type: CommandType.KvRollback, key: 'config/a', toModIndex: 1 })).toEqual({ ok: true, modIndex: 4 });
      expect(r.sm.get('config/a')).toEqual({ key: 'config/a', value: '{"v":1}', createIndex: 4, modIndex: 4 });
      expect(r.apply({ type: CommandType.KvRollback, key: 'config/a', toModIndex: 3 })).toMatchObject({ ok: false, reason: 'no-such-version' });
    });
  });

  it('refuses new keys beyond the quota, deterministically', () => {
    const r = runner(new RegistryStateMachine({ ...DEFAULT_LIMITS, maxKeys: 2 }));
    r.apply(put('a', 1));
    r.apply(put('b', 1));
    expect(r.apply(put('c', 1))).toEqual({ ok: false, modIndex: 0, reason: 'quota' });
    expect(r.apply(put('a', 2))).toMatchObject({ ok: true });
  });

  it('refuses a write that would hold more value characters than the bound, history included', () => {
    const r = runner(new RegistryStateMachine({ ...DEFAULT_LIMITS, maxValueChars: 20, historyDepth: 2 }));
    expect(r.apply(put('plain', 'x'.repeat(8)))).toMatchObject({ ok: true }); // 10 chars with quotes
    expect(r.apply(put('config/a', 'y'))).toMatchObject({ ok: true }); // 3 in kv + 3 in history
    expect(r.apply(put('config/b', 'z'))).toEqual({ ok: false, modIndex: 0, reason: 'quota' });
    expect(r.apply(put('plain', 'x'))).toMatchObject({ ok: true }); // shrinking frees room
    expect(r.apply(put('config/b', 'z'))).toMatchObject({ ok: true });
    const restored = new RegistryStateMachine({ ...DEFAULT_LIMITS, maxValueChars: 20, historyDepth: 2 });
    restored.restore(r.sm.snapshot());
    expect(restored.apply({ index: 99, data: encodeCommand(put('config/c', 'w'.repeat(5))) })).toMatchObject({ ok: false, reason: 'quota' });
  });

  describe('services and leases', () => {
    it('registers, renews by heartbeat and deregisters', () => {
      const r = runner();
      r.apply(register('order', 'i1', 3001));
      expect(r.sm.instances('order')).toEqual([expect.objectContaining({ id: 'i1', port: 3001, meta: { zone: 'a' }, renewIndex: 1 })]);
      expect(r.apply({ type: CommandType.ServiceHeartbeat, service: 'order', instanceId: 'i1' })).toEqual({ ok: true });
      expect(r.sm.instance('order', 'i1')?.renewIndex).toBe(2);
      expect(r.sm.serviceCounts()).toEqual({ order: 1 });
      expect(r.apply({ type: CommandType.ServiceDeregister, service: 'order', instanceId: 'i1' })).toEqual({ ok: true });
      expect(r.sm.serviceCounts()).toEqual({});
      expect(r.apply({ type: CommandType.ServiceHeartbeat, service: 'order', instanceId: 'i1' })).toEqual({ ok: false, reason: 'not-found' });
    });

    it('expires a lease only if no renewal was applied after the leader decided', () => {
      const r = runner();
      r.apply(register('order', 'i1'));
      r.apply(register('order', 'i2'));
      r.apply({ type: CommandType.ServiceHeartbeat, service: 'order', instanceId: 'i2' }); // renewIndex 3
      const result = r.apply({
        type: CommandType.LeaseExpire,
        leases: [
          { service: 'order', instanceId: 'i1', renewIndex: 1 },
          { service: 'order', instanceId: 'i2', renewIndex: 2 }, // stale decision: i2 renewed at 3
        ],
      });
      expect(result).toEqual({ expired: 1 });
      expect(r.sm.instances('order').map((i) => i.id)).toEqual(['i2']);
      expect(r.apply({ type: CommandType.ServiceHeartbeat, service: 'order', instanceId: 'i1' })).toEqual({ ok: false, reason: 'not-found' });
    });

    it('reports changes so that blocking queries wake, but a heartbeat does not change the service view', () => {
      const changes: Change[] = [];
      const r = runner(new RegistryStateMachine(DEFAULT_LIMITS, (c) => changes.push(c)));
      r.apply(register('order', 'i1'));
      r.apply({ type: CommandType.ServiceHeartbeat, service: 'order', instanceId: 'i1' });
      r.apply(put('config/k', 1));
      expect(changes.filter((c) => c.kind !== 'lease')).toEqual([
        { kind: 'service', service: 'order', index: 1 },
        { kind: 'kv', key: 'config/k', index: 3 },
      ]);
      expect(r.sm.serviceChangeIndex('order')).toBe(1);
    });
  });

  it('gives absent keys a change index that moves on delete, so a blocking query on a deleted key wakes', () => {
    const r = runner();
    r.apply(put('k', 1));
    expect(r.sm.kvChangeIndex('k', false)).toBe(1);
    r.apply({ type: CommandType.KvDelete, key: 'k' });
    expect(r.sm.kvChangeIndex('k', false)).toBe(2);
    r.apply(put('p/a', 1));
    expect(r.sm.kvChangeIndex('p/', true)).toBe(3);
  });
});
