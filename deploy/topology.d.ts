// Types of deploy/topology.js (plain CommonJS so that scripts/stack.mjs runs it without a build step).

export type AppName = 'registry' | 'gateway' | 'order' | 'inventory' | 'payment';

export interface StackProcess {
  /** Unique process name, also its docker-compose.yml service name: registry-1, order-2, gateway, ... */
  name: string;
  app: AppName;
  /** Start order: 0 registry nodes, 1 services, 2 gateway; stopped in reverse. */
  tier: number;
  port: number;
  /** `node`, with args `dist/apps/<app>/main.js`, run in `cwd` (the repository root). */
  command: string;
  args: string[];
  cwd: string;
  /** The contract's variables for this process (docs/architecture.md), plus NODE_OPTIONS (deploy/node-memory.js). */
  env: Record<string, string>;
  healthUrl: string;
}

export interface StackOptions {
  /** Repository root that holds dist/ (default: this repository). */
  rootDir?: string;
  /** Added to every port, so a test can run the topology beside a running `npm run stack` (default 0). */
  portOffset?: number;
  /** Parent of each registry node's REGISTRY_DATA_DIR, relative to rootDir (default `.data`). */
  dataDir?: string;
  /** host:port of each server (default 127.0.0.1 with 5432, 6379, 9092). */
  infra?: Partial<{ postgres: string; redis: string; kafka: string }>;
  /** The stack's secrets (deploy/secrets.js); without them their variables are empty and the apps refuse to start. */
  secrets?: Partial<StackSecrets>;
}

export declare const PORTS: Readonly<Record<string, number>>;
export interface StackSecrets {
  registryToken: string;
  raftSecret: string;
  adminToken: string;
}
export declare function stackProcesses(options?: StackOptions): StackProcess[];
