import { bindHost } from './bind-host.config';

describe('BIND_HOST: the interface an app listens on', () => {
  it('is what the deployment gives, 0.0.0.0 when unset, and refuses what is no address', () => {
    expect(bindHost({ BIND_HOST: '127.0.0.1' })).toBe('127.0.0.1');
    expect(bindHost({ BIND_HOST: '::1' })).toBe('::1');
    expect(bindHost({})).toBe('0.0.0.0');
    expect(() => bindHost({ BIND_HOST: 'not an address' })).toThrow(/BIND_HOST/);
  });
});
