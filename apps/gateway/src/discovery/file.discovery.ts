import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { DiscoverySource, LiveConfig, ServiceInstance } from './discovery.source';

interface DiscoveryFile {
  services?: Record<string, ServiceInstance[]>;
  config?: Record<string, unknown>;
}

export interface FileDiscoveryLogger {
  event(level: 'log' | 'warn', message: string, fields: Record<string, unknown>): void;
}

const POLL_MS = 200;
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * A gateway without a registry: instances and config come from one JSON file
 * `{"services": {"inventory": [{"id","address","port","meta"}]}, "config": {"config/gateway/routes": ...}}`,
 * polled every 200 ms so a change applies within a second, like a registry push. For local runs, tests and the
 * benchmark; never the production source.
 */
export class FileDiscovery implements DiscoverySource {
  readonly kind = 'file';
  private content: DiscoveryFile = {};
  private version = 0;
  private lastError: string | undefined;
  private readonly serviceListeners = new Map<string, Set<(list: readonly ServiceInstance[]) => void>>();
  private readonly configListeners = new Set<() => void>();

  constructor(
    private readonly path: string,
    private readonly logger: FileDiscoveryLogger,
  ) {
    this.reload();
    watchFile(path, { interval: POLL_MS, persistent: false }, () => this.reload());
  }

  watchService(): void {}

  instances(service: string): readonly ServiceInstance[] {
    return this.content.services?.[service] ?? [];
  }

  onInstancesChange(service: string, cb: (list: readonly ServiceInstance[]) => void): () => void {
    let set = this.serviceListeners.get(service);
    if (!set) this.serviceListeners.set(service, (set = new Set()));
    set.add(cb);
    return () => set.delete(cb);
  }

  watchConfig<T>(key: string, parse: (raw: unknown) => T, defaults: T): LiveConfig<T> {
    let value = defaults;
    let lastRaw: string | undefined;
    const listeners = new Set<(value: T) => void>();
    const apply = () => {
      const raw = this.content.config?.[key];
      const json = JSON.stringify(raw);
      if (json === lastRaw) return;
      lastRaw = json;
      let next: T;
      try {
        next = raw === undefined ? defaults : parse(raw);
      } catch (error) {
        this.logger.event('warn', 'invalid config value ignored; keeping the previous one', { key, error: (error as Error).message });
        return;
      }
      value = next;
      for (const cb of listeners) cb(value);
    };
    apply();
    this.configListeners.add(apply);
    return {
      get: () => value,
      onChange: (cb) => {
        listeners.add(cb);
        return () => listeners.delete(cb);
      },
    };
  }

  health(): { healthy: boolean; detail: Record<string, unknown> } {
    return { healthy: this.lastError === undefined, detail: { file: this.path, version: this.version, lastError: this.lastError ?? null } };
  }

  async close(): Promise<void> {
    unwatchFile(this.path);
  }

  private reload(): void {
    let next: DiscoveryFile;
    try {
      const text = readFileSync(this.path, 'utf8');
      if (text.length > MAX_FILE_BYTES) throw new Error(`larger than ${MAX_FILE_BYTES} bytes`);
      next = JSON.parse(text) as DiscoveryFile;
      if (typeof next !== 'object' || next === null) throw new Error('expected an object');
    } catch (error) {
      this.lastError = (error as Error).message;
      this.logger.event('warn', 'discovery file unreadable; keeping the last view', { path: this.path, error: this.lastError });
      return;
    }
    this.lastError = undefined;
    const before = this.content;
    this.content = next;
    this.version++;
    for (const [service, listeners] of this.serviceListeners) {
      const list = this.instances(service);
      if (JSON.stringify(list) === JSON.stringify(before.services?.[service] ?? [])) continue;
      for (const cb of listeners) cb(list);
    }
    for (const apply of this.configListeners) apply();
  }
}
