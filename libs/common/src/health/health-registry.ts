import { Injectable } from '@nestjs/common';

/**
 * A dependency check. Resolve (optionally with details) when the dependency answers; throw when it does not.
 * `signal` aborts when the check's timeout elapses.
 */
export type HealthProbe = (opts: { signal: AbortSignal }) => Promise<Record<string, unknown> | void>;

export interface RegisteredProbe {
  readonly name: string;
  readonly probe: HealthProbe;
  readonly timeoutMs: number;
}

/** Apps add their database, Redis, Kafka and registry checks here; `GET /health` runs all of them. */
@Injectable()
export class HealthRegistry {
  private readonly probes = new Map<string, RegisteredProbe>();

  register(name: string, probe: HealthProbe, opts: { timeoutMs?: number } = {}): void {
    this.probes.set(name, { name, probe, timeoutMs: opts.timeoutMs ?? 2000 });
  }

  list(): readonly RegisteredProbe[] {
    return [...this.probes.values()];
  }
}
