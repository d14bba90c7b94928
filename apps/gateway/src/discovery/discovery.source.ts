import type { LiveConfig, ServiceInstance } from '@shop/registry-client';

export type { LiveConfig, ServiceInstance };

/** One registry node's answer to GET /v1/cluster, for the console. */
export interface ClusterNodeView {
  url: string;
  ok: boolean;
  status?: number;
  body?: unknown;
  error?: string;
}

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
  readConfig(key: string): Promise<unknown | undefined>;
  /** Returns the new version (the registry's modIndex). */
  writeConfig(key: string, value: unknown): Promise<number>;
  clusterNodes(timeoutMs: number): Promise<ClusterNodeView[]>;
  health(): { healthy: boolean; detail: Record<string, unknown> };
  close(): Promise<void>;
}
