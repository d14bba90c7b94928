import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { bearerTokenMatcher } from '@shop/common';
import { OPERATOR, Principal, servicePrincipal } from './access-rules';

/**
 * A service's registry credential is `<service>.<HMAC-SHA256(REGISTRY_SERVICE_KEY, "registry-service:<service>")>`
 * (base64url): the deployment derives one per service from the key (deploy/secrets.js, serviceRegistryToken) and
 * gives each app only its own; the registry holds the key and recomputes the MAC, so it needs no table of
 * tokens and a new service needs no registry change. Rotating the key revokes every service credential at once.
 * Keep in step with deploy/secrets.js.
 */
export function serviceCredential(key: string, service: string): string {
  return `${service}.${createHmac('sha256', key).update(`registry-service:${service}`).digest('base64url')}`;
}

const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * `Authorization: Bearer ...` -> who asks: the operator token (constant-time, as before), a valid service
 * credential, or undefined (401).
 */
export function credentialAuthenticator(opts: { operatorToken: string; serviceKey: string }): (authorization: string | undefined) => Principal | undefined {
  const isOperator = bearerTokenMatcher(opts.operatorToken);
  return (authorization) => {
    if (isOperator(authorization)) return OPERATOR;
    if (!opts.serviceKey || !authorization?.startsWith('Bearer ')) return undefined;
    const token = authorization.slice('Bearer '.length);
    const dot = token.lastIndexOf('.');
    const service = token.slice(0, dot);
    if (dot < 1 || !SERVICE_NAME.test(service)) return undefined;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(token), digest(serviceCredential(opts.serviceKey, service))) ? servicePrincipal(service) : undefined;
  };
}
