// Types of deploy/topology.js (plain CommonJS so that scripts/stack.mjs runs it without a build step).

export type AppName = 'registry' | 'gateway' | 'order' | 'inventory' | 'payment' | 'identity' | 'console';

export interface StackProcess {
  /** Unique process name, also its docker-compose.yml service name: registry-1, order-2, gateway-1, ... */
  name: string;
  app: AppName;
  /** Start order: 0 registry nodes, 1 services, 2 gateway; stopped in reverse. */
  tier: number;
  /** The port clients use (PORT); both gateways share 8080, each probed on its own INSTANCE_PORT (healthUrl). */
  port: number;
  /** `node`, with args `[...nodeFlags, 'dist/apps/<app>/main.js']`, run in `cwd` (the repository root). */
  command: string;
  /** Node.js flags of this app (see NODE_FLAGS); the last of `args` is always the app's main file. */
  nodeFlags: string[];
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
  /** The demo customers' password (default `shop-demo`); empty: no demo customers. */
  demoCustomerPassword?: string;
}

export declare const PORTS: Readonly<Record<string, number>>;
/** Node.js flags per app, passed on the command line (V8 flags are refused in NODE_OPTIONS). */
export declare const NODE_FLAGS: Readonly<Partial<Record<AppName, readonly string[]>>>;
export interface StackSecrets {
  registryToken: string;
  raftSecret: string;
  adminToken: string;
  /** Each service's registry credential is derived from it (deploy/secrets.js); empty: every app uses registryToken. */
  registryServiceKey: string;
  /** Each Kafka user's password is derived from it; empty: the apps connect to Kafka without SASL. */
  kafkaCredentialKey: string;
  /** The operator `ops`'s password (identity's sign-in). */
  operatorPassword: string;
}
export declare function stackProcesses(options?: StackOptions): StackProcess[];
