/**
 * @shop/registry-client: how every app uses the registry cluster, the seed's 注册中心 (service registry) and
 * 配置中心 (config center with push).
 *
 * - Registration: `register()` puts this instance in the registry with a lease and renews it by heartbeat every
 *   third of its TTL; a heartbeat answered 404 (lease expired) registers again; `deregister()` on shutdown.
 * - Discovery: `watchService()` keeps a local cache fresh with blocking queries (`?index=&wait=`), so
 *   `instances()` on a request's hot path never waits on the network.
 * - Config push: `watchConfig(key, parse, defaults)` gives a typed `LiveConfig`; a change arrives within about a
 *   second; an invalid value is logged and the previous one kept.
 * - Failover across REGISTRY_URLS, following the leader hint (X-Raft-Leader); a timeout on every call; while no
 *   node answers, the last known view is served and `health()` says so.
 * - Nest: `RegistryClientModule.forRoot({ urls, token, registration })` wires all of it into the app's lifecycle
 *   and /health.
 */
export { RegistryClient, RegistryRequestError } from './registry-client';
export type { Registration, RegistryClientOptions } from './registry-client';
export type { ServiceInstance } from './instances';
export type { LiveConfig } from './live-config';
export { RegistryUnavailableError } from './registry-endpoints';
export { RegistryClientModule } from './registry-client.module';
export type { RegistryClientModuleOptions } from './registry-client.module';
