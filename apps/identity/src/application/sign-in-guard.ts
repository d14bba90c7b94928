import type Redis from 'ioredis';

/** Failed sign-ins per user name allowed in one window; then the name is locked until the window ends. */
export const MAX_FAILURES = 10;
export const FAILURE_WINDOW_SEC = 15 * 60;
/** Password checks running at once (each holds ~32 MiB of scrypt memory for ~0.1 s). */
export const MAX_CONCURRENT_CHECKS = 4;

const failuresKey = (username: string) => `identity:sign-in-failures:${username}`;

/**
 * Bounds on guessing, besides the gateway's per-address rate limit on /api/auth/: at most MAX_FAILURES wrong
 * passwords per user name per window (counted in Redis, shared by identity instances), and at most
 * MAX_CONCURRENT_CHECKS scrypt checks in flight (CPU and memory; the rest are told to retry).
 */
export class SignInGuard {
  private checking = 0;

  constructor(private readonly redis: Redis) {}

  /** Seconds until the user name may try again, or 0. */
  async lockedFor(username: string): Promise<number> {
    const [count, ttl] = await Promise.all([this.redis.get(failuresKey(username)), this.redis.ttl(failuresKey(username))]);
    return Number(count ?? 0) >= MAX_FAILURES ? Math.max(1, ttl) : 0;
  }

  async recordFailure(username: string): Promise<void> {
    const key = failuresKey(username);
    const count = await this.redis.incr(key);
    if (count === 1) await this.redis.expire(key, FAILURE_WINDOW_SEC);
  }

  async recordSuccess(username: string): Promise<void> {
    await this.redis.del(failuresKey(username));
  }

  /** Runs a password check when a slot is free; undefined when all are busy. */
  async bounded<T>(check: () => Promise<T>): Promise<{ value: T } | undefined> {
    if (this.checking >= MAX_CONCURRENT_CHECKS) return undefined;
    this.checking++;
    try {
      return { value: await check() };
    } finally {
      this.checking--;
    }
  }
}
