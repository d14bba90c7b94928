import { ConfigError, loadConfig } from './env-reader.config';

describe('loadConfig', () => {
  it('reads typed values and applies defaults', () => {
    const config = loadConfig(
      (env) => ({
        port: env.int('PORT', { default: 3000 }),
        urls: env.list('REGISTRY_URLS', { urls: true }),
        peers: env.map('REGISTRY_PEERS'),
        verbose: env.bool('VERBOSE', { default: false }),
      }),
      { REGISTRY_URLS: 'http://a:1, http://b:2', REGISTRY_PEERS: 'n1=http://a:1,n2=http://b:2' },
    );
    expect(config).toEqual({
      port: 3000,
      urls: ['http://a:1', 'http://b:2'],
      peers: { n1: 'http://a:1', n2: 'http://b:2' },
      verbose: false,
    });
  });

  it('names every missing or invalid variable in one error', () => {
    const attempt = () =>
      loadConfig(
        (env) => ({
          port: env.int('PORT', { min: 1, max: 65535 }),
          db: env.url('DATABASE_URL', { protocols: ['postgres:'] }),
          token: env.string('REGISTRY_TOKEN'),
        }),
        { PORT: '99999', DATABASE_URL: 'mysql://x' },
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(3);
      expect(problems.join('\n')).toMatch(/PORT="99999" is invalid/);
      expect(problems.join('\n')).toMatch(/DATABASE_URL="mysql:\/\/x" is invalid/);
      expect(problems.join('\n')).toMatch(/REGISTRY_TOKEN is required/);
    }
  });

  it('treats an empty variable as absent', () => {
    expect(() => loadConfig((env) => env.string('X'), { X: '  ' })).toThrow(/X is required/);
  });
});
