import type { Consumer } from 'kafkajs';

/**
 * Whether a service's Kafka consumer still consumes, for its /health (a terminus-style indicator): a consumer
 * that crashed and will not restart (kafkajs gives up on a non-retriable error), or that crashed and has not
 * rejoined its group within `rejoinWithinMs`, is dead while the HTTP side looks fine. Its partitions then wait for
 * nobody; /health failing gets the process restarted (the stack's supervisor, Docker's restart policy, a
 * Kubernetes liveness probe).
 */
export class ConsumerLiveness {
  private deadBecause: string | undefined;
  private crashedAtMs: number | undefined;
  private crashReason = '';

  constructor(
    private readonly rejoinWithinMs: number = DEFAULT_REJOIN_WITHIN_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** kafkajs' CRASH event: `restart` false means it will not try again. */
  onCrash(payload: { error?: { name?: string; message?: string }; restart?: boolean }): void {
    const reason = `${payload.error?.name ?? 'Error'}: ${payload.error?.message ?? 'unknown'}`;
    if (payload.restart === false) {
      this.deadBecause = `crashed and will not restart (${reason})`;
      return;
    }
    this.crashedAtMs ??= this.now();
    this.crashReason = reason;
  }

  /** kafkajs' GROUP_JOIN event: consuming again. */
  onGroupJoin(): void {
    this.crashedAtMs = undefined;
  }

  /** undefined while alive; else why the consumer is dead. */
  problem(): string | undefined {
    if (this.deadBecause) return this.deadBecause;
    if (this.crashedAtMs !== undefined && this.now() - this.crashedAtMs > this.rejoinWithinMs) {
      return `crashed ${Math.round((this.now() - this.crashedAtMs) / 1000)} s ago and has not rejoined its group (${this.crashReason})`;
    }
    return undefined;
  }

  /** Follows a kafkajs consumer's events. */
  watch(consumer: Pick<Consumer, 'on' | 'events'>): this {
    consumer.on(consumer.events.CRASH, (event) => this.onCrash(event.payload));
    consumer.on(consumer.events.GROUP_JOIN, () => this.onGroupJoin());
    return this;
  }
}

/**
 * A restarted consumer rejoins within seconds (kafkajs restarts it after its retry time; a rebalance lasts about
 * one handler call); a minute without it is not a hiccup.
 */
export const DEFAULT_REJOIN_WITHIN_MS = 60_000;
