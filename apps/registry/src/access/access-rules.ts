import { Command, CommandType } from '../state-machine/commands';

/**
 * Who asks the registry, as written into every client command of the Raft log (docs/security.md, "Registry and
 * config center"): `operator` (REGISTRY_TOKEN: people, tools, the gateway's admin actions) or `service:<name>`
 * (one credential per service, see service-credentials.ts). A command without a principal was written by the
 * registry itself (the leader's lease expiry) or before principals existed, when the one token was an
 * operator's; both are judged as the operator.
 */
export type Principal = 'operator' | `service:${string}`;

export const OPERATOR: Principal = 'operator';

export function servicePrincipal(name: string): Principal {
  return `service:${name}`;
}

/** The service a principal speaks for; undefined for the operator. */
export function serviceOf(principal: Principal | undefined): string | undefined {
  return principal?.startsWith('service:') ? principal.slice('service:'.length) : undefined;
}

/** The config keys a service may write itself: its own folder (identity publishes config/identity/jwks). */
function ownConfigPrefix(service: string): string {
  return `config/${service}/`;
}

/**
 * Whether `principal` may apply `cmd`; the reason when not. A pure function of the command alone (the principal
 * travels inside it), so every node judges an entry the same way on every replay: the leader checks it before
 * proposing (a refused write costs no log entry) and the state machine checks it again when applying (the
 * authoritative check, whatever path the entry took to the log). Rules live in code, not configuration: a
 * change of the rules is a new release, never a node that judges the same log differently from its peers.
 */
export function refusal(principal: Principal | undefined, cmd: Command): string | undefined {
  const service = serviceOf(principal);
  if (service === undefined) return undefined;
  switch (cmd.type) {
    case CommandType.ServiceRegister:
    case CommandType.ServiceHeartbeat:
    case CommandType.ServiceDeregister:
      return cmd.service === service ? undefined : `service ${service} may register, renew and remove only instances of ${service}, not of ${cmd.service}`;
    case CommandType.KvPut:
    case CommandType.KvDelete:
    case CommandType.KvRollback:
      return cmd.key.startsWith(ownConfigPrefix(service)) ? undefined : `service ${service} may write only keys under ${ownConfigPrefix(service)}, not ${cmd.key}`;
    case CommandType.LeaseExpire:
      return 'lease expiry is decided by the leader only';
  }
}

/**
 * Reads: services see the registry (every service's instances, the cluster) and the config center (`config/`,
 * which by design holds no secret: routes, limits, breakers, public keys); anything else in the store is the
 * operators'. Reads are not in the log, so this is checked where the read is served.
 */
export function readRefusal(principal: Principal | undefined, key: string): string | undefined {
  const service = serviceOf(principal);
  if (service === undefined) return undefined;
  return key.startsWith('config/') ? undefined : `service ${service} may read only keys under config/, not ${key === '' ? 'the whole store' : key}`;
}
