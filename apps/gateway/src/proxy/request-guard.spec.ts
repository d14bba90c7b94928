import { pathProblem, TrustedProxies } from './request-guard';

describe('request guard', () => {
  it.each(['/api/products', '/api/products/sku-1', '/api/orders/7/', "/api/a/b~c!$&'()*+,;=:@", '/api/a/%20b', '/api/a/%C3%A9'])('accepts %s', (path) => {
    expect(pathProblem(path)).toBeUndefined();
  });

  it.each([
    '/api/products/../orders',
    '/api/products/./x',
    '/api/products/%2e%2E/orders',
    '/api/products/a%2fb',
    '/api/products/a%5Cb',
    '/api/products/a%00',
    '/api/products/a%zz',
    '/api/orders/%74okens',
    '/api/%70roducts',
    '/api/orders/%2D1',
    '/api/orders/a%7e',
    '/api/orders/%41%5A%30',
    '/api/products/a%4',
    '/api/products//a',
    '/api/products/a b',
    '/api/products/a"b',
    `/api/${'x'.repeat(2100)}`,
  ])('refuses %s', (path) => {
    expect(pathProblem(path)).toEqual(expect.any(String));
  });

  describe('TrustedProxies', () => {
    const trusted = new TrustedProxies(['10.0.0.0/8', '192.168.1.5']);

    it('believes X-Forwarded-For only from a trusted peer', () => {
      expect(trusted.clientIp('203.0.113.9', '1.2.3.4')).toBe('203.0.113.9');
      expect(trusted.clientIp('10.1.2.3', '1.2.3.4')).toBe('1.2.3.4');
      expect(trusted.clientIp('::ffff:192.168.1.5', '1.2.3.4')).toBe('1.2.3.4');
    });

    it('takes the right-most untrusted hop, so a client cannot pick its own address by prepending one', () => {
      expect(trusted.clientIp('10.0.0.1', '6.6.6.6, 1.2.3.4, 10.9.9.9')).toBe('1.2.3.4');
    });

    it('refuses a malformed header from a trusted proxy', () => {
      expect(trusted.clientIp('10.0.0.1', 'not-an-ip')).toBeUndefined();
    });

    it('trusts nobody by default', () => {
      expect(new TrustedProxies([]).clientIp('10.0.0.1', '1.2.3.4')).toBe('10.0.0.1');
    });

    it('refuses a malformed TRUSTED_PROXIES entry', () => {
      expect(() => new TrustedProxies(['10.0.0.0/33'])).toThrow(/CIDR/);
      expect(() => new TrustedProxies(['proxy.local'])).toThrow(/IP/);
    });
  });
});
