/**
 * The scenarios of `npm run chaos`: steady order traffic + one fault + the targets for that fault
 * (issue "Basically available"). A scenario's `inject` runs the fault and marks its span; the runner sends
 * traffic for `warmupS` before it and `recoveryS` after it.
 */
import { CONFIG_KEYS } from '@shop/contracts';
import { infra, registryLeader, StackControl, writeConfig } from './faults';

export interface FaultContext {
  control: StackControl;
  gateway: string;
  registryUrls: readonly string[];
  log(line: string): void;
  faultStart(label: string): void;
  faultEnd(): void;
  sleep(ms: number): Promise<void>;
}

/** Which of the targets apply. */
export type TargetClass = 'restart' | 'inventory-down' | 'payment' | 'infra' | 'everything';

export interface Scenario {
  name: string;
  title: string;
  targets: TargetClass;
  /** Orders per second when the command line does not say (everything-at-once runs at a low rate). */
  rate?: number;
  warmupS: number;
  recoveryS: number;
  inject(ctx: FaultContext): Promise<void>;
}

const LATENCY_KEY = CONFIG_KEYS.payment.latencyMs;
/** Slower than the gateway's 1 s slow-call threshold, faster than its 3 s timeout (README's tour). */
const SLOW_PAYMENT_MS = 1500;

async function downFor(ctx: FaultContext, name: string, seconds: number): Promise<void> {
  ctx.faultStart(`${name} stopped ${seconds}s`);
  await ctx.control.act(name, 'stop');
  await ctx.sleep(seconds * 1000);
  await ctx.control.act(name, 'start');
  ctx.faultEnd();
}

async function killAndWait(ctx: FaultContext, name: string): Promise<void> {
  ctx.faultStart(`SIGKILL ${name}`);
  await ctx.control.act(name, 'kill');
  await ctx.sleep(1000);
  await ctx.control.waitRunning(name);
  ctx.faultEnd();
}

/** In run order: Kafka's restart comes late, since a stack that does not recover from it spoils what follows. */
export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'rolling-restart',
    title: 'rolling restart of every process, one at a time (SIGTERM, start, healthy, next)',
    targets: 'restart',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      ctx.faultStart('rolling restart');
      for (const name of ctx.control.processNames) {
        ctx.log(`restarting ${name}`);
        await ctx.control.act(name, 'stop');
        await ctx.control.act(name, 'start');
        await ctx.sleep(3000);
      }
      ctx.faultEnd();
    },
  },
  {
    name: 'kill-order',
    title: 'SIGKILL of one order instance (the stack restarts it)',
    targets: 'restart',
    warmupS: 10,
    recoveryS: 20,
    inject: (ctx) => killAndWait(ctx, 'order-1'),
  },
  {
    name: 'inventory-down',
    title: 'inventory down for 30 s',
    targets: 'inventory-down',
    warmupS: 10,
    recoveryS: 20,
    inject: (ctx) => downFor(ctx, 'inventory', 30),
  },
  {
    name: 'payment-down',
    title: 'payment down for 30 s',
    targets: 'payment',
    warmupS: 10,
    recoveryS: 20,
    inject: (ctx) => downFor(ctx, 'payment', 30),
  },
  {
    name: 'payment-slow',
    title: `payment slow for 30 s (${LATENCY_KEY} = ${SLOW_PAYMENT_MS})`,
    targets: 'payment',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      ctx.faultStart(`payment latency ${SLOW_PAYMENT_MS} ms`);
      await writeConfig(ctx.gateway, ctx.registryUrls, LATENCY_KEY, SLOW_PAYMENT_MS);
      try {
        await ctx.sleep(30_000);
      } finally {
        await writeConfig(ctx.gateway, ctx.registryUrls, LATENCY_KEY, 0);
      }
      ctx.faultEnd();
    },
  },
  {
    name: 'redis-restart',
    title: 'Redis restart (no persistence: idempotency tokens and rate-limit counters are lost)',
    targets: 'infra',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      ctx.faultStart('Redis restart');
      await infra('restart-redis', ctx.log);
      ctx.faultEnd();
    },
  },
  {
    name: 'registry-leader-kill',
    title: 'SIGKILL of the registry leader (the stack restarts it)',
    targets: 'infra',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      const leader = await registryLeader(ctx.registryUrls);
      ctx.log(`the leader is ${leader}`);
      await killAndWait(ctx, leader);
    },
  },
  {
    name: 'registry-minority',
    title: 'the registry leader cut off for 30 s (SIGSTOP: a minority of one that still accepts connections)',
    targets: 'infra',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      const leader = await registryLeader(ctx.registryUrls);
      ctx.faultStart(`${leader} paused 30s`);
      await ctx.control.act(leader, 'pause');
      try {
        await ctx.sleep(30_000);
      } finally {
        await ctx.control.act(leader, 'resume');
      }
      ctx.faultEnd();
    },
  },
  {
    name: 'kafka-restart',
    title: 'Kafka broker restart (controlled shutdown, data kept)',
    targets: 'infra',
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      ctx.faultStart('Kafka restart');
      await infra('restart-kafka', ctx.log);
      ctx.faultEnd();
    },
  },
  {
    name: 'everything',
    title: 'everything at once at a low rate for 2 minutes',
    targets: 'everything',
    rate: 5,
    warmupS: 10,
    recoveryS: 20,
    async inject(ctx) {
      const leader = await registryLeader(ctx.registryUrls);
      ctx.faultStart('everything');
      await ctx.control.act('order-1', 'kill');
      await ctx.sleep(5000);
      await ctx.control.act('inventory', 'stop');
      await writeConfig(ctx.gateway, ctx.registryUrls, LATENCY_KEY, SLOW_PAYMENT_MS);
      await ctx.sleep(20_000);
      await ctx.control.act('inventory', 'start');
      await infra('restart-kafka', ctx.log);
      await ctx.control.act(leader, 'kill');
      await ctx.sleep(10_000);
      await infra('restart-redis', ctx.log);
      await ctx.control.act('payment', 'kill');
      await ctx.sleep(15_000);
      await writeConfig(ctx.gateway, ctx.registryUrls, LATENCY_KEY, 0);
      await ctx.control.act('order-2', 'stop');
      await ctx.sleep(15_000);
      await ctx.control.act('order-2', 'start');
      for (const name of ['order-1', 'payment', leader]) await ctx.control.waitRunning(name);
      // Whatever is left of the two minutes: keep ordering under the aftermath.
      ctx.faultEnd();
    },
  },
];
