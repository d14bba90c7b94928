import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSecrets, kafkaPassword, loadOrCreateSecrets, serviceRegistryToken } from './secrets';
import { stackProcesses } from './topology';

describe('each app gets its own credentials, and only those', () => {
  const secrets = generateSecrets();
  const processes = stackProcesses({ secrets });
  const env = (name: string) => processes.find((p) => p.name === name)!.env;

  it('gives every service its own registry credential and Kafka user, never the operator token', () => {
    for (const [name, app] of [['order-1', 'order'], ['order-2', 'order'], ['inventory', 'inventory'], ['payment', 'payment']] as const) {
      expect(env(name)).toMatchObject({
        REGISTRY_TOKEN: serviceRegistryToken(secrets.registryServiceKey, app),
        KAFKA_USERNAME: app,
        KAFKA_PASSWORD: kafkaPassword(secrets.kafkaCredentialKey, app),
        BIND_HOST: '127.0.0.1',
      });
      expect(Object.values(env(name))).not.toContain(secrets.registryToken);
      expect(Object.values(env(name))).not.toContain(secrets.registryServiceKey);
    }
  });

  it("gives the registry the operator token and the service key, the gateway only its own credential, the console its own and the operator's for admin writes", () => {
    expect(env('registry-1')).toMatchObject({ REGISTRY_TOKEN: secrets.registryToken, REGISTRY_SERVICE_KEY: secrets.registryServiceKey });
    for (const gateway of ['gateway-1', 'gateway-2']) {
      expect(env(gateway)).toMatchObject({ REGISTRY_TOKEN: serviceRegistryToken(secrets.registryServiceKey, 'gateway') });
      expect(Object.values(env(gateway))).not.toContain(secrets.registryToken);
    }
    expect(env('console')).toMatchObject({ REGISTRY_TOKEN: serviceRegistryToken(secrets.registryServiceKey, 'console'), REGISTRY_OPERATOR_TOKEN: secrets.registryToken });
    expect(env('identity')).toMatchObject({ REGISTRY_TOKEN: serviceRegistryToken(secrets.registryServiceKey, 'identity') });
    expect(Object.values(env('identity'))).not.toContain(secrets.registryToken);
    for (const p of processes) expect(Object.values(p.env)).not.toContain(secrets.kafkaCredentialKey);
  });
});

describe('the secrets file', () => {
  it('completes a file of an older version with the new keys and derived lines, keeping what it holds', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'secrets-spec-')), 'secrets.env');
    writeFileSync(file, 'ADMIN_TOKEN=aaaaaaaaaaaaaaaaaaaa\nREGISTRY_TOKEN=bbbbbbbbbbbbbbbbbbbb\nRAFT_SECRET=cccccccccccccccccccc\n');
    const { secrets, created } = loadOrCreateSecrets(file);
    expect(created).toBe(false);
    expect(secrets).toMatchObject({ adminToken: 'a'.repeat(20), registryToken: 'b'.repeat(20), raftSecret: 'c'.repeat(20) });
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`ORDER_REGISTRY_TOKEN=${serviceRegistryToken(secrets.registryServiceKey, 'order')}\n`);
    expect(text).toContain(`ADMIN_KAFKA_PASSWORD=${kafkaPassword(secrets.kafkaCredentialKey, 'admin')}\n`);
    expect(loadOrCreateSecrets(file).secrets).toEqual(secrets);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});
