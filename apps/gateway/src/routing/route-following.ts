import type { JsonLogger } from '@shop/common';
import type { RouteTable } from '@shop/contracts';
import type { UpstreamBreakers } from '../breakers/upstream-breakers';
import type { GatewayLiveConfig } from '../config/gateway-live-config';
import type { Upstreams } from './upstreams';

/**
 * Every routed service gets its instances followed and its breaker made at start, so the status page lists
 * them all, and again whenever the routes or the breaker options change (breakers then restart closed).
 */
export function followRoutes(live: GatewayLiveConfig, upstreams: Upstreams, breakers: UpstreamBreakers, logger: JsonLogger): void {
  const follow = (table: RouteTable) => {
    for (const route of table.values()) {
      upstreams.follow(route.service);
      breakers.get(route.service);
    }
  };
  follow(live.routes.get());
  live.routes.onChange((table) => {
    logger.event('log', 'routes changed', { routes: [...table.keys()] });
    follow(table);
    for (const service of upstreams.services()) upstreams.refresh(service);
  });
  live.breakers.onChange((value) => {
    logger.event('log', 'breaker options changed; breakers restart closed', {});
    breakers.reconfigure(value);
    follow(live.routes.get());
  });
}
