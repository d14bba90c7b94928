import type { BreakerTransition } from '@shop/circuit-breaker';
import type { PolicyStats } from '@shop/rate-limit';

export interface SeriesPoint {
  /** Start of the second (ms epoch). */
  t: number;
  admitted: number;
  rejected: number;
}

const SECONDS = 60;
const MAX_TRANSITIONS = 200;

/**
 * The console's charts: per policy, admitted and rejected per second over the last 60 s (sampled once a
 * second from the live counters, so the hot path does nothing extra), and the breakers' recent state changes.
 */
export class Series {
  private readonly points = new Map<string, SeriesPoint[]>();
  private readonly last = new Map<string, { admitted: number; rejected: number }>();
  private readonly transitions: BreakerTransition[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly source: () => { name: string; stats: PolicyStats }[]) {}

  start(): void {
    this.timer = setInterval(() => this.sample(Date.now()), 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  sample(now: number): void {
    const t = now - (now % 1000);
    const live = new Set<string>();
    for (const { name, stats } of this.source()) {
      live.add(name);
      const prev = this.last.get(name) ?? { admitted: stats.admitted, rejected: stats.rejected };
      const point = { t, admitted: stats.admitted - prev.admitted, rejected: stats.rejected - prev.rejected };
      this.last.set(name, { admitted: stats.admitted, rejected: stats.rejected });
      const list = this.points.get(name) ?? [];
      list.push(point);
      if (list.length > SECONDS) list.shift();
      this.points.set(name, list);
    }
    for (const name of [...this.points.keys()]) {
      if (!live.has(name)) {
        this.points.delete(name);
        this.last.delete(name);
      }
    }
  }

  recordTransition(t: BreakerTransition): void {
    this.transitions.push(t);
    if (this.transitions.length > MAX_TRANSITIONS) this.transitions.shift();
  }

  snapshot(): { intervalMs: number; policies: Record<string, SeriesPoint[]>; breakerTransitions: BreakerTransition[] } {
    return {
      intervalMs: 1000,
      policies: Object.fromEntries([...this.points].map(([name, list]) => [name, [...list]])),
      breakerTransitions: [...this.transitions],
    };
  }
}
