import type { Registry } from 'prom-client';
import {
  BreakerLogger,
  BreakersConfig,
  BreakerTransition,
  createBreaker,
  optionsFor,
  ShopBreaker,
} from '@shop/circuit-breaker';
import { isNotUpstreamsFault } from '../proxy/upstream-failure';

/** One call to an upstream, as the breaker sees it (the proxy's exchange): settles when the answer starts. */
export interface UpstreamCall {
  start(): Promise<void>;
}

export type UpstreamBreaker = ShopBreaker<[UpstreamCall], void>;

/**
 * One breaker per upstream service (服务熔断), made on first use from `config/gateway/breakers`. A config
 * change replaces the breakers (opossum cannot change its options live); each new one starts closed.
 */
export class UpstreamBreakers {
  private readonly byService = new Map<string, UpstreamBreaker>();

  constructor(
    private config: BreakersConfig,
    private readonly logger: BreakerLogger,
    private readonly registry: Registry,
    private readonly onTransition: (t: BreakerTransition) => void,
  ) {}

  get(service: string): UpstreamBreaker {
    let breaker = this.byService.get(service);
    if (breaker === undefined) {
      breaker = createBreaker(service, (call: UpstreamCall) => call.start(), optionsFor(this.config, service), {
        logger: this.logger,
        registry: this.registry,
        onTransition: this.onTransition,
        errorFilter: isNotUpstreamsFault,
      });
      this.byService.set(service, breaker);
    }
    return breaker;
  }

  reconfigure(config: BreakersConfig): void {
    this.config = config;
    for (const breaker of this.byService.values()) breaker.shutdown();
    this.byService.clear();
  }

  all(): UpstreamBreaker[] {
    return [...this.byService.values()];
  }

  shutdown(): void {
    for (const breaker of this.byService.values()) breaker.shutdown();
  }
}
