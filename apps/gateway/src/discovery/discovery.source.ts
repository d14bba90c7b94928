import type { LiveConfig, ServiceInstance } from '@shop/registry-client';

export type { LiveConfig, ServiceInstance };

/**
 * Where the gateway learns instances and config: the registry cluster in every real deployment
 * (RegistryDiscovery), or a JSON file for a gateway run without a registry (FileDiscovery: local runs,
 * tests that kill instances, the benchmark). The proxy reads only `instances()`, which is synchronous.
 */
export interface DiscoverySource {
  readonly kind: 'registry' | 'file';
  watchService(service: string): void;
  /** From the local cache; never a network call. */
  instances(service: string): readonly ServiceInstance[];
  onInstancesChange(service: string, cb: (list: readonly ServiceInstance[]) => void): () => void;
  /** `parse` throws on an invalid value: it is logged and the previous value kept. */
  watchConfig<T>(key: string, parse: (raw: unknown) => T, defaults: T): LiveConfig<T>;
  health(): { healthy: boolean; detail: Record<string, unknown> };
  close(): Promise<void>;
}
