import { isIP } from 'node:net';
import { ConfigError } from './env-reader.config';

/**
 * The interface an app listens on: BIND_HOST, given by the deployment (docs/deployment.md). `npm run stack` and
 * the tests give 127.0.0.1, so a developer's stack is not reachable from the network; containers give 0.0.0.0
 * (the container's own network namespace, reached through its published or cluster ports). Unset: 0.0.0.0,
 * the behaviour apps had before the variable existed.
 */
export function bindHost(env: NodeJS.ProcessEnv = process.env): string {
  const value = env.BIND_HOST?.trim() || '0.0.0.0';
  if (isIP(value) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(value)) throw new ConfigError([`BIND_HOST=${value} is neither an IP address nor a host name`]);
  return value;
}
