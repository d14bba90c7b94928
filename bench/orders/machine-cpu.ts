import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/**
 * The whole machine's CPU time, from /proc/stat: what one order costs in every process at once (the services,
 * Postgres, Kafka, Redis and the bench's own client), set beside what pgbench spends on the same writes. On a
 * machine whose cores are all busy, orders/s is cores / CPU per order, so the ratio of the two CPU costs bounds
 * the ratio of the two throughputs whatever the latency does.
 *
 * Time of niced processes is counted apart: other work on a shared machine can run niced so that it does not
 * count here (it still takes cores when they are free, so compare on a quiet machine).
 */
export interface MachineCpuSample {
  /** Jiffies in user, system, irq and softirq: processes at normal priority and the kernel working for them. */
  busy: number;
  /** Jiffies of niced processes. */
  nice: number;
  /** Every jiffy of every core, idle and steal included: the clock that converts jiffies to milliseconds. */
  total: number;
  atMs: number;
}

export interface MachineCpuSpent {
  /** CPU milliseconds at normal priority, over all cores. */
  busyMs: number;
  niceMs: number;
  wallMs: number;
  /** busyMs / wallMs: how many cores were busy on average. */
  cores: number;
}

/** Undefined where there is no /proc/stat (not Linux): the bench then prints no CPU column. */
export function sampleMachineCpu(): MachineCpuSample | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(0, text.indexOf('\n')).trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { busy: user + system + irq + softirq, nice, total: user + nice + system + idle + iowait + irq + softirq + steal, atMs: performance.now() };
}

export function machineCpuBetween(before: MachineCpuSample | undefined, after: MachineCpuSample | undefined): MachineCpuSpent | undefined {
  if (!before || !after || after.total <= before.total) return undefined;
  const wallMs = after.atMs - before.atMs;
  // total jiffies = wall time x cores, so this is milliseconds per jiffy without asking for CLK_TCK.
  const msPerJiffy = (wallMs * cpus().length) / (after.total - before.total);
  const busyMs = (after.busy - before.busy) * msPerJiffy;
  return { busyMs, niceMs: (after.nice - before.nice) * msPerJiffy, wallMs, cores: busyMs / wallMs };
}
