import { readBoundedText } from '@shop/common';
import { request } from 'undici';
import { RegistryClient } from '@shop/registry-client';
import type { ClusterNodeView, DiscoverySource, LiveConfig, ServiceInstance } from './discovery.source';

/**
 * The registry cluster (注册中心 + 配置中心) through @shop/registry-client. `client` carries the gateway's own
 * credential (register itself, discover, read config); `operator`, when the deployment gives the gateway the
 * operator credential (REGISTRY_OPERATOR_TOKEN), makes the admin API's config writes, which touch other
 * services' config/ keys that the gateway's own credential may not write (docs/security.md).
 */
export class RegistryDiscovery implements DiscoverySource {
  readonly kind = 'registry';

  constructor(
    readonly client: RegistryClient,
    private readonly urls: readonly string[],
    private readonly token: string,
    private readonly operator?: RegistryClient,
  ) {}

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

  readConfig(key: string): Promise<unknown | undefined> {
    return this.client.kv.get(key);
  }

  writeConfig(key: string, value: unknown): Promise<number> {
    return (this.operator ?? this.client).kv.put(key, value);
  }

  /** Every node's own view (role, term, leader), asked directly with a timeout: the console shows them side by side. */
  clusterNodes(timeoutMs: number): Promise<ClusterNodeView[]> {
    return Promise.all(
      this.urls.map(async (url): Promise<ClusterNodeView> => {
        try {
          const res = await request(new URL('/v1/cluster', url), {
            headers: { authorization: `Bearer ${this.token}` },
            headersTimeout: timeoutMs,
            bodyTimeout: timeoutMs,
            signal: AbortSignal.timeout(timeoutMs),
          });
          const text = await readBoundedText(res.body, MAX_CLUSTER_ANSWER_BYTES, `${url}/v1/cluster`);
          return { url, ok: res.statusCode === 200, status: res.statusCode, body: parseJson(text) };
        } catch (error) {
          return { url, ok: false, error: (error as Error).message };
        }
      }),
    );
  }

  health(): { healthy: boolean; detail: Record<string, unknown> } {
    return this.client.health();
  }

  async close(): Promise<void> {
    await Promise.all([this.client.close(), this.operator?.close()]);
  }
}

/** A node's /v1/cluster answer is a few hundred bytes; anything near this bound is not a registry. */
const MAX_CLUSTER_ANSWER_BYTES = 64 * 1024;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 1000);
  }
}
