import { ConfigError, loadConfig } from '@shop/common';
import { readSagaServiceConfig } from './saga-service.config';

const defaults = { service: 'inventory', port: 3002 };
const secrets = { DATABASE_URL: 'postgres://inventory_svc:inventory_pw@127.0.0.1:5432/inventory', REGISTRY_TOKEN: 'a-token' };

describe('readSagaServiceConfig', () => {
  it('runs locally with only its secrets given: the service port, the local registry and Kafka', () => {
    const config = loadConfig((env) => readSagaServiceConfig(env, defaults), secrets);
    expect(config).toEqual({
      port: 3002,
      instanceId: 'inventory-127.0.0.1-3002',
      advertiseHost: '127.0.0.1',
      databaseUrl: secrets.DATABASE_URL,
      kafkaBrokers: ['127.0.0.1:9092'],
      registryUrls: ['http://127.0.0.1:7001', 'http://127.0.0.1:7002', 'http://127.0.0.1:7003'],
      registryToken: 'a-token',
      kafkaPartitionsConcurrently: 12,
      crashAfterCommitOf: '',
    });
  });

  it("adds the app's own variables, read by the same reader", () => {
    const config = loadConfig((env) => readSagaServiceConfig(env, defaults, (e) => ({ sweepMs: e.int('SWEEP_MS', { default: 1000 }) })), {
      ...secrets,
      PORT: '4000',
      ADVERTISE_HOST: 'inventory.svc',
      SWEEP_MS: '250',
    });
    expect(config).toMatchObject({ port: 4000, instanceId: 'inventory-inventory.svc-4000', sweepMs: 250 });
  });

  it("names every invalid variable at once, the shared ones and the app's own", () => {
    const read = () =>
      loadConfig((env) => readSagaServiceConfig(env, defaults, (e) => ({ sweepMs: e.int('SWEEP_MS', { min: 100 }) })), {
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x@y/z',
        SWEEP_MS: '5',
      });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(/PORT[\s\S]*DATABASE_URL[\s\S]*SWEEP_MS/);
  });

  it('refuses to start without its secrets, naming both', () => {
    expect(() => loadConfig((env) => readSagaServiceConfig(env, defaults), {})).toThrow(/DATABASE_URL is required[\s\S]*REGISTRY_TOKEN is required/);
  });
});
