import { decodeCommand, encodeCommand } from '../state-machine/command-codec';
import { Command, CommandType } from '../state-machine/commands';
import { RegistryStateMachine } from '../state-machine/registry-state-machine';
import { OPERATOR, readRefusal, refusal, servicePrincipal } from './access-rules';
import { credentialAuthenticator, serviceCredential } from './service-credentials';

const order = servicePrincipal('order');
const register = (service: string, principal = order): Command => ({
  type: CommandType.ServiceRegister,
  service,
  instanceId: `${service}-1`,
  address: '10.0.0.1',
  port: 3001,
  meta: {},
  ttlMs: 5000,
  principal,
});
const put = (key: string, principal = order): Command => ({ type: CommandType.KvPut, key, value: '1', principal });

describe('registry access rules (a pure function of the command)', () => {
  it('lets a service register, renew and remove only its own instances', () => {
    expect(refusal(order, register('order'))).toBeUndefined();
    expect(refusal(order, register('payment'))).toMatch(/only instances of order/);
    expect(refusal(order, { type: CommandType.ServiceHeartbeat, service: 'payment', instanceId: 'p', principal: order })).toBeDefined();
    expect(refusal(order, { type: CommandType.ServiceDeregister, service: 'payment', instanceId: 'p', principal: order })).toBeDefined();
  });

  it('lets a service write only config/<itself>/, and the operator anything', () => {
    expect(refusal(order, put('config/order/saga-timeout-ms'))).toBeUndefined();
    expect(refusal(order, put('config/gateway/routes'))).toMatch(/only keys under config\/order\//);
    expect(refusal(order, put('config/orderx/a'))).toBeDefined();
    expect(refusal(order, { type: CommandType.KvDelete, key: 'config/payment/failure-rate', principal: order })).toBeDefined();
    expect(refusal(order, { type: CommandType.KvRollback, key: 'config/gateway/routes', toModIndex: 1, principal: order })).toBeDefined();
    expect(refusal(OPERATOR, put('config/gateway/routes', OPERATOR))).toBeUndefined();
    expect(refusal(OPERATOR, register('payment', OPERATOR))).toBeUndefined();
  });

  it('lets services read config/ only', () => {
    expect(readRefusal(order, 'config/identity/jwks')).toBeUndefined();
    expect(readRefusal(order, 'secrets/x')).toBeDefined();
    expect(readRefusal(order, '')).toBeDefined();
    expect(readRefusal(OPERATOR, '')).toBeUndefined();
  });
});

describe('the state machine judges every entry by the principal inside it', () => {
  it('applies nothing for a refused entry, on every replay alike', () => {
    const log = [put('config/gateway/routes'), register('payment'), register('order'), put('config/order/x')].map((cmd, i) => ({ index: i + 1, data: encodeCommand(cmd) }));
    const replay = () => {
      const sm = new RegistryStateMachine();
      const results = log.map((entry) => sm.apply(entry));
      return { sm, results };
    };
    const first = replay();
    expect(first.results.map((r) => ('reason' in r ? r.reason : 'ok'))).toEqual(['forbidden', 'forbidden', 'ok', 'ok']);
    expect(first.sm.get('config/gateway/routes')).toBeUndefined();
    expect(first.sm.instances('payment')).toEqual([]);
    expect(first.sm.instances('order').map((i) => i.id)).toEqual(['order-1']);
    expect(Buffer.from(replay().sm.snapshot()).equals(Buffer.from(first.sm.snapshot()))).toBe(true);
  });

  it('reads an entry written before principals existed as the operator', () => {
    const legacy = encodeCommand({ type: CommandType.KvPut, key: 'config/gateway/routes', value: '[]' });
    expect(decodeCommand(legacy)).not.toHaveProperty('principal');
    const sm = new RegistryStateMachine();
    expect(sm.apply({ index: 1, data: legacy })).toEqual({ ok: true, modIndex: 1 });
    expect(decodeCommand(encodeCommand(put('config/order/x')))).toMatchObject({ principal: 'service:order' });
  });
});

describe('service credentials', () => {
  const authenticate = credentialAuthenticator({ operatorToken: 'operator-token-0123456789', serviceKey: 'service-key-0123456789' });

  it('names the service a credential was derived for, and nobody for a forged one', () => {
    expect(authenticate('Bearer operator-token-0123456789')).toBe(OPERATOR);
    expect(authenticate(`Bearer ${serviceCredential('service-key-0123456789', 'order')}`)).toBe('service:order');
    const forged = serviceCredential('another-key-0123456789', 'payment');
    expect(authenticate(`Bearer ${forged}`)).toBeUndefined();
    // Another service's MAC under this name proves nothing.
    const orderMac = serviceCredential('service-key-0123456789', 'order').split('.')[1];
    expect(authenticate(`Bearer payment.${orderMac}`)).toBeUndefined();
    expect(authenticate(undefined)).toBeUndefined();
    expect(authenticate('Bearer .abc')).toBeUndefined();
  });

  it('matches the derivation of deploy/secrets.js', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const deploy = require('../../../../deploy/secrets') as { serviceRegistryToken(key: string, service: string): string };
    expect(deploy.serviceRegistryToken('service-key-0123456789', 'inventory')).toBe(serviceCredential('service-key-0123456789', 'inventory'));
  });
});
