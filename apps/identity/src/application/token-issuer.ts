import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN, CLOCK_TOLERANCE_SEC, KeyPublisher, SigningKey } from '@shop/auth';
import type { JsonLogger } from '@shop/common';
import type { Account } from './credentials';

/** The JWT `typ` of an access token (RFC 9068). */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** A published key lives this long without renewal; renewed every third of it. */
const LEASE_MS = 60 * 60 * 1000;
/** A retired key stays published until every token it signed has expired (plus clock skew). */
export const RETAIN_MS = (ACCESS_TOKEN.lifetimeSec + 2 * CLOCK_TOLERANCE_SEC) * 1000;

/**
 * Access tokens: ES256 JWTs, `kid` in the header; claims iss `shop-identity`, aud `shop-api`, sub (the user
 * name), role (customer | operator), iat, exp (15 min), jti. The private key exists only in this process (a new
 * one at every start and every rotation); its public half is published in the config center
 * (`config/identity/jwks`), where the gateway picks it up without a restart. A token is signed only with a key
 * that is already published, so the gateway always knows the key of a token it is shown.
 */
export class TokenIssuer {
  private active: SigningKey | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly publisher: KeyPublisher;

  constructor(
    kv: ConstructorParameters<typeof KeyPublisher>[0]['kv'],
    configKey: string,
    owner: string,
    private readonly logger: JsonLogger,
  ) {
    this.publisher = new KeyPublisher({ kv, configKey, owner, retainMs: RETAIN_MS, leaseMs: LEASE_MS });
  }

  get kid(): string | undefined {
    return this.active?.kid;
  }

  /** Generates a key, publishes it (the previous one stays published for RETAIN_MS), then signs with it. */
  async rotate(): Promise<{ kid: string; published: string[] }> {
    const next = SigningKey.generate();
    const jwks = await this.publisher.publish(next);
    const previous = this.active?.kid;
    this.active = next;
    this.logger.event('log', 'signing key published and active', { kid: next.kid, previous, published: jwks.keys.map((k) => k.kid) });
    if (!this.renewTimer) {
      this.renewTimer = setInterval(() => {
        if (this.active) this.publisher.publish(this.active).catch((error: unknown) => this.logger.event('warn', 'signing key renewal failed', { error: String(error) }));
      }, LEASE_MS / 3);
      this.renewTimer.unref();
    }
    return { kid: next.kid, published: jwks.keys.map((k) => k.kid) };
  }

  async accessToken(account: Account): Promise<{ accessToken: string; expiresIn: number }> {
    if (!this.active) throw new Error('no signing key published yet');
    const now = Math.floor(Date.now() / 1000);
    const accessToken = await this.active.sign(
      { iss: ACCESS_TOKEN.issuer, aud: ACCESS_TOKEN.audience, sub: account.subject, role: account.role, iat: now, exp: now + ACCESS_TOKEN.lifetimeSec, jti: randomUUID() },
      ACCESS_TOKEN_TYP,
    );
    return { accessToken, expiresIn: ACCESS_TOKEN.lifetimeSec };
  }

  close(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
  }
}
