import { RegistryClient } from '@shop/registry-client';
import type { DiscoverySource, LiveConfig, ServiceInstance } from './discovery.source';

/**
 * The registry cluster (注册中心 + 配置中心) through @shop/registry-client, with the gateway's own credential:
 * register itself, discover, follow config, publish its proof key under config/gateway/.
 */
export class RegistryDiscovery implements DiscoverySource {
  readonly kind = 'registry';

  constructor(readonly client: RegistryClient) {}

  watchService(service: string): void {
    this.client.watchService(service);
  }

  instances(service: string): readonly ServiceInstance[] {
    return this.client.instances(service);
  }

  onInstancesChange(service: string, cb: (list: readonly ServiceInstance[]) => void): () => void {
    return this.client.onInstancesChange(service, cb);
  }

  watchConfig<T>(key: string, parse: (raw: unknown) => T, defaults: T): LiveConfig<T> {
    return this.client.watchConfig(key, parse, defaults);
  }

  health(): { healthy: boolean; detail: Record<string, unknown> } {
    return this.client.health();
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
