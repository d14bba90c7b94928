import type { GatewayErrorCode } from './gateway-errors';

/** Plain counters the hot path bumps; the status page and /metrics read them (no label lookups per request). */
export class ProxyStats {
  requests = 0;
  readonly gatewayErrors: Record<GatewayErrorCode, number> = {
    bad_request: 0,
    unauthorized: 0,
    method_not_allowed: 0,
    request_timeout: 0,
    uri_too_long: 0,
    headers_too_large: 0,
    too_many_concurrent_requests: 0,
    not_found: 0,
    payload_too_large: 0,
    rate_limited: 0,
    rate_limiter_unavailable: 0,
    circuit_open: 0,
    no_instance: 0,
    overloaded: 0,
    bad_gateway: 0,
    gateway_timeout: 0,
  };

  count(code: GatewayErrorCode): void {
    this.gatewayErrors[code]++;
  }
}
