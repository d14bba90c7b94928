/**
 * Twelve-factor configuration: every app reads its environment once, at start-up, through this reader.
 * Every problem is collected, so one failed start names every missing or invalid variable at once.
 */

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

interface Option<T> {
  /** Used when the variable is absent or empty; without it the variable is required. */
  default?: T;
}

export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly source: Readonly<Record<string, string | undefined>>) {}

  string(name: string, opts: Option<string> = {}): string {
    const raw = this.raw(name);
    if (raw !== undefined) return raw;
    return this.fallback(name, opts, '');
  }

  int(name: string, opts: Option<number> & { min?: number; max?: number } = {}): number {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, opts, 0);
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) return this.invalid(name, raw, 'an integer', 0);
    if (opts.min !== undefined && value < opts.min) return this.invalid(name, raw, `>= ${opts.min}`, 0);
    if (opts.max !== undefined && value > opts.max) return this.invalid(name, raw, `<= ${opts.max}`, 0);
    return value;
  }

  bool(name: string, opts: Option<boolean> = {}): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, opts, false);
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return this.invalid(name, raw, 'true or false', false);
  }

  /** A URL whose protocol is one of `protocols` (e.g. ['postgres:', 'postgresql:']). */
  url(name: string, opts: Option<string> & { protocols?: readonly string[] } = {}): string {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, opts, '');
    return this.checkUrl(name, raw, opts.protocols) ? raw : '';
  }

  /** Comma-separated values, trimmed, empty ones dropped. */
  list(name: string, opts: Option<readonly string[]> & { urls?: boolean } = {}): string[] {
    const raw = this.raw(name);
    if (raw === undefined) return [...this.fallback(name, opts, [])];
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) return this.invalid(name, raw, 'a non-empty comma-separated list', []);
    if (opts.urls && !items.every((item) => this.checkUrl(name, item, ['http:', 'https:']))) return [];
    return items;
  }

  /** `a=x,b=y` into { a: 'x', b: 'y' }. */
  map(name: string, opts: Option<Record<string, string>> = {}): Record<string, string> {
    const raw = this.raw(name);
    if (raw === undefined) return this.fallback(name, opts, {});
    const out: Record<string, string> = {};
    for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq <= 0) return this.invalid(name, raw, 'name=value pairs separated by commas', {});
      out[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    return out;
  }

  /** Throws one ConfigError naming every problem found so far. */
  assertValid(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  private raw(name: string): string | undefined {
    const value = this.source[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  private fallback<T>(name: string, opts: Option<T>, placeholder: T): T {
    if (opts.default !== undefined) return opts.default;
    this.problems.push(`${name} is required but not set`);
    return placeholder;
  }

  private invalid<T>(name: string, raw: string, expected: string, placeholder: T): T {
    this.problems.push(`${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
    return placeholder;
  }

  private checkUrl(name: string, raw: string, protocols?: readonly string[]): boolean {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      this.invalid(name, raw, 'a URL', '');
      return false;
    }
    if (protocols && !protocols.includes(parsed.protocol)) {
      this.invalid(name, raw, `a URL with protocol ${protocols.join(' or ')}`, '');
      return false;
    }
    return true;
  }
}

/**
 * Reads and validates configuration once. Throws a ConfigError listing every problem.
 * `source` defaults to the process environment; tests pass their own.
 */
export function loadConfig<T>(
  read: (env: EnvReader) => T,
  source: Readonly<Record<string, string | undefined>> = process.env,
): T {
  const env = new EnvReader(source);
  const config = read(env);
  env.assertValid();
  return config;
}

/** For main.ts: like loadConfig, but an invalid configuration ends the process at once with a clear message. */
export function loadConfigOrExit<T>(app: string, read: (env: EnvReader) => T): T {
  try {
    return loadConfig(read);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${app}: ${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}
