import { createHash, randomBytes } from 'node:crypto';
import type Redis from 'ioredis';
import type { Account } from './credentials';

/** A session (a chain of refresh tokens) ends this long after the sign-in that began it, whatever happens. */
export const SESSION_LIFETIME_SEC = 8 * 60 * 60;

interface Session {
  subject: string;
  role: Account['role'];
  /** ms since the epoch: the absolute end of the session. */
  until: number;
}

const keyOf = (token: string) => `identity:refresh:${createHash('sha256').update(token).digest('base64url')}`;

/**
 * Refresh tokens: 256 random bits, kept in Redis only as a SHA-256 (a Redis dump gives no usable token),
 * single use (GETDEL: refreshing returns a new one and the old is gone), bounded by the session's absolute end
 * (SESSION_LIFETIME_SEC after sign-in), revoked by sign-out (deleted).
 */
export class RefreshTokens {
  constructor(private readonly redis: Redis) {}

  async issue(account: Account, until = Date.now() + SESSION_LIFETIME_SEC * 1000): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const session: Session = { subject: account.subject, role: account.role, until };
    await this.redis.set(keyOf(token), JSON.stringify(session), 'PX', Math.max(1, until - Date.now()));
    return token;
  }

  /** Spends a refresh token: its session, or undefined when it is unknown, spent, revoked or past its end. */
  async spend(token: string): Promise<{ account: Account; until: number } | undefined> {
    const raw = await this.redis.getdel(keyOf(token));
    if (raw === null) return undefined;
    const session = JSON.parse(raw) as Session;
    if (session.until <= Date.now()) return undefined;
    return { account: { subject: session.subject, role: session.role }, until: session.until };
  }

  async revoke(token: string): Promise<void> {
    await this.redis.del(keyOf(token));
  }
}
