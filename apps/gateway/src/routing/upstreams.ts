import { Pool } from 'undici';
import type { DiscoverySource, ServiceInstance } from '../discovery/discovery.source';
import type { Balanceable } from './balancer';
import { DEFAULT_OUTLIER_POLICY, OutlierPolicy, OutlierState } from './outlier-detector';

/** One instance of a service as the proxy sees it: a keep-alive pool and its requests in flight. */
export class UpstreamInstance implements Balanceable {
  outstanding = 0;
  /** Requests sent here since start (status page). */
  sent = 0;
  failures = 0;
  readonly outlier = new OutlierState();
  readonly weight: number;
  readonly pool: Pool;
  /** undici sets a pool's connect timeout once: a change of it needs a new pool. */
  readonly connectTimeoutMs: number;

  constructor(
    readonly instance: ServiceInstance,
    opts: UpstreamPoolOptions,
  ) {
    const weight = Number(instance.meta?.weight ?? '1');
    this.weight = Number.isInteger(weight) && weight >= 1 && weight <= 1000 ? weight : 1;
    this.connectTimeoutMs = opts.connectTimeoutMs;
    this.pool = new Pool(`http://${instance.address}:${instance.port}`, {
      connections: opts.maxConnections,
      pipelining: 1,
      connectTimeout: opts.connectTimeoutMs,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 60_000,
      // The gateway's own limits apply per request (headersTimeout/bodyTimeout per dispatch).
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  get key(): string {
    return instanceKey(this.instance);
  }
}

export interface UpstreamPoolOptions {
  /** Bound on connections per instance: more concurrent requests wait in the pool's queue. */
  maxConnections: number;
  connectTimeoutMs: number;
}

const instanceKey = (i: ServiceInstance) => `${i.id}@${i.address}:${i.port}`;
/** Pools of instances that left get this long to finish their requests before they are destroyed. */
const DRAIN_MS = 30_000;

/** Told when an instance is ejected (log line). */
export type EjectionListener = (service: string, instance: UpstreamInstance, untilMs: number) => void;

/**
 * The live instances of every service the routes name, from the discovery cache, minus the ones the outlier
 * detector ejected. The list a request sees is replaced (never mutated) when discovery reports a change or an
 * ejection starts or ends, so the hot path reads one array.
 */
export class Upstreams {
  private readonly byService = new Map<string, UpstreamInstance[]>();
  /** Per service, the instances in service (not ejected): what the balancers pick from. */
  private readonly routable = new Map<string, readonly UpstreamInstance[]>();
  private readonly ejectionsByService = new Map<string, number>();
  private readonly unsubscribe = new Map<string, () => void>();

  constructor(
    private readonly discovery: DiscoverySource,
    private readonly poolOptions: (service: string) => UpstreamPoolOptions,
    private readonly onChange: (service: string, list: readonly UpstreamInstance[]) => void = () => undefined,
    private readonly outlierPolicy: OutlierPolicy = DEFAULT_OUTLIER_POLICY,
    private readonly onEjection: EjectionListener = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts following `service` (idempotent). */
  follow(service: string): void {
    if (this.unsubscribe.has(service)) return;
    this.discovery.watchService(service);
    this.unsubscribe.set(service, this.discovery.onInstancesChange(service, (list) => this.update(service, list)));
    this.update(service, this.discovery.instances(service));
  }

  /** The instances a request may go to: live and not ejected. */
  of(service: string): readonly UpstreamInstance[] {
    return this.routable.get(service) ?? EMPTY;
  }

  /** Every live instance, ejected ones included (status page, metrics). */
  all(service: string): readonly UpstreamInstance[] {
    return this.byService.get(service) ?? EMPTY;
  }

  /** Ejections since start, per service. */
  ejections(service: string): number {
    return this.ejectionsByService.get(service) ?? 0;
  }

  /** The instance answered (any status): its run of gateway failures ends. */
  recordAnswer(instance: UpstreamInstance): void {
    instance.outlier.recordSuccess();
  }

  /** A gateway failure of `instance` (see isGatewayFailure); may eject it. */
  recordGatewayFailure(service: string, instance: UpstreamInstance): void {
    const all = this.byService.get(service);
    if (all === undefined || !all.includes(instance)) return;
    const now = this.now();
    let ejected = 0;
    for (const u of all) if (u.outlier.isEjected(now)) ejected++;
    const until = instance.outlier.recordGatewayFailure(this.outlierPolicy, now, ejected, all.length);
    if (until === undefined) return;
    this.ejectionsByService.set(service, this.ejections(service) + 1);
    this.recomputeRoutable(service);
    this.onEjection(service, instance, until);
    const timer = setTimeout(() => this.recomputeRoutable(service), until - now + 1);
    timer.unref();
  }

  /**
   * Applies changed pool options (a route's `timeouts.connectMs`) to the instances of `service`: those whose
   * pool was made with other options get a new pool; the old one drains as when an instance leaves.
   */
  refresh(service: string): void {
    if (this.unsubscribe.has(service)) this.update(service, this.discovery.instances(service));
  }

  services(): string[] {
    return [...this.byService.keys()];
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe.values()) off();
    const all = [...this.byService.values()].flat();
    this.byService.clear();
    this.routable.clear();
    await Promise.all(all.map((u) => u.pool.destroy()));
  }

  private update(service: string, list: readonly ServiceInstance[]): void {
    const before = this.byService.get(service) ?? EMPTY;
    const keep = new Map(before.map((u) => [u.key, u]));
    const options = this.poolOptions(service);
    const next = list.map((i) => {
      const existing = keep.get(instanceKey(i));
      if (existing && existing.instance.meta?.weight === i.meta?.weight && existing.connectTimeoutMs === options.connectTimeoutMs) {
        keep.delete(existing.key);
        return existing;
      }
      return new UpstreamInstance(i, options);
    });
    this.byService.set(service, next);
    this.recomputeRoutable(service);
    for (const gone of keep.values()) {
      const timer = setTimeout(() => void gone.pool.destroy(), DRAIN_MS);
      timer.unref();
      void gone.pool.close().then(() => clearTimeout(timer));
    }
    this.onChange(service, next);
  }

  private recomputeRoutable(service: string): void {
    const all = this.byService.get(service) ?? EMPTY;
    const now = this.now();
    const inService = all.filter((u) => !u.outlier.isEjected(now));
    this.routable.set(service, inService.length === all.length ? all : inService);
  }
}

const EMPTY: readonly UpstreamInstance[] = Object.freeze([]);
