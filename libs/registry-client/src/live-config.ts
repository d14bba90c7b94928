/** A typed config value pushed by the config center: `get()` is always valid, `onChange` fires on a change. */
export interface LiveConfig<T> {
  get(): T;
  onChange(cb: (value: T) => void): () => void;
}

export interface ConfigLogger {
  warn(message: string, fields: Record<string, unknown>): void;
}

/**
 * One subscription's state: the current typed value, starting at `defaults`. A raw value from the registry is
 * parsed; when parsing throws, the value is logged as invalid and the previous value stays (an invalid config
 * never crashes an app nor replaces a good one). A deleted key goes back to the defaults.
 */
export class LiveConfigValue<T> implements LiveConfig<T> {
  private current: T;
  private currentJson: string;
  private readonly listeners = new Set<(value: T) => void>();

  constructor(
    readonly key: string,
    private readonly parse: (raw: unknown) => T,
    private readonly defaults: T,
    private readonly logger: ConfigLogger,
  ) {
    this.current = defaults;
    this.currentJson = stableJson(defaults);
  }

  get(): T {
    return this.current;
  }

  onChange(cb: (value: T) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** A new raw value arrived (`absent`: the key does not exist). Returns whether the typed value changed. */
  accept(raw: unknown, absent: boolean): boolean {
    let next: T;
    if (absent) {
      next = this.defaults;
    } else {
      try {
        next = this.parse(raw);
      } catch (error) {
        this.logger.warn('invalid config value ignored; keeping the previous one', {
          key: this.key,
          error: error instanceof Error ? error.message : String(error),
        });
        return false;
      }
    }
    const json = stableJson(next);
    if (json === this.currentJson) return false;
    this.current = next;
    this.currentJson = json;
    for (const listener of [...this.listeners]) {
      try {
        listener(next);
      } catch (error) {
        this.logger.warn('config listener failed', { key: this.key, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return true;
  }
}

/** JSON with object keys sorted, so that equal values compare equal whatever their key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? 'undefined';
}
