import type { Principal } from '@shop/auth';
import type { ServiceInstance } from '@shop/registry-client';

/** Where the console finds a service's instances: the registry client's cache, never a network call. */
export interface Instances {
  instances(service: string): readonly ServiceInstance[];
}

/**
 * The proof the console shows a service (the services answer only calls that carry one): minted for `caller`
 * when the console asks on someone's behalf, else for the console itself (role `gateway`: docs/security.md).
 */
export type ProofFor = (service: string, caller?: Principal) => string | Promise<string>;

/** The console itself, calling the services' internal endpoints on nobody's behalf (or for a machine's ADMIN_TOKEN). */
export const CONSOLE_CALLER: Principal = Object.freeze({ subject: 'console', role: 'gateway' });
