import { GATEWAY_PROOF_TYP } from './gateway-proof.guard';
import type { KeyPublisher } from './key-publisher';
import { SigningKey } from './signing-key';
import { GATEWAY_PROOF, Principal } from './trust';
import type { JsonLogger } from '@shop/common';

/** A proof is reused for half its life, then a fresh one is minted (signing per request would cost ~50 µs each). */
const REUSE_FOR_MS = (GATEWAY_PROOF.lifetimeSec * 1000) / 2;
/** Bound on cached proofs (callers x services); beyond it the cache starts over. */
const MAX_CACHED = 10_000;
/** A published key lives this long without renewal; renewed every third of it. */
const LEASE_MS = 60 * 60 * 1000;

interface CachedProof {
  token: string;
  renewAt: number;
}

/**
 * The gateway's proof to the services: a JWT signed with a key this gateway instance generated at start (it
 * never leaves the process), `iss: shop-gateway`, `aud: <service>`, `sub` and `role` of the caller, 60 s. The
 * public half is published in the config center (`config/gateway/proof-jwks`), where every service watches it.
 * The console mints the same proofs for the services' internal endpoints it reads (apps/console), with a key
 * of its own in the same JWKS.
 */
export class ProofMinter {
  private readonly cache = new Map<string, CachedProof | Promise<string>>();
  private renewTimer: NodeJS.Timeout | undefined;

  private readonly key = SigningKey.generate();

  /** `publisher`: undefined without a registry (the gateway's file discovery), where upstreams check no proofs. */
  constructor(
    private readonly publisher: KeyPublisher | undefined,
    private readonly logger: JsonLogger,
  ) {}

  /**
   * Publishes this instance's key (and keeps its lease), trying until the registry answers or `deadline`:
   * the gateway serves /api/ only once the services can check its proofs.
   */
  async publish(deadlineMs: number): Promise<void> {
    const publisher = this.publisher;
    if (!publisher) return;
    const until = Date.now() + deadlineMs;
    for (;;) {
      try {
        await publisher.publish(this.key);
        this.logger.event('log', 'gateway proof key published', { kid: this.key.kid });
        break;
      } catch (error) {
        if (Date.now() > until) {
          this.logger.event('error', 'gateway proof key not published; services will refuse proxied requests until it is', { error: String(error) });
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    this.renewTimer = setInterval(() => {
      publisher.publish(this.key).catch((error: unknown) => this.logger.event('warn', 'gateway proof key renewal failed', { error: String(error) }));
    }, LEASE_MS / 3);
    this.renewTimer.unref();
  }

  proofFor(caller: Principal, service: string, now = Date.now()): string | Promise<string> {
    const cacheKey = `${caller.role}\n${caller.subject}\n${service}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined && (cached instanceof Promise || cached.renewAt > now)) return cached instanceof Promise ? cached : cached.token;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    const minted = this.key
      .sign({ iss: GATEWAY_PROOF.issuer, aud: service, sub: caller.subject, role: caller.role, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + GATEWAY_PROOF.lifetimeSec }, GATEWAY_PROOF_TYP)
      .then(
        (token) => {
          this.cache.set(cacheKey, { token, renewAt: now + REUSE_FOR_MS });
          return token;
        },
        (error: unknown) => {
          this.cache.delete(cacheKey);
          throw error;
        },
      );
    this.cache.set(cacheKey, minted);
    return minted;
  }

  close(): void {
    if (this.renewTimer) clearInterval(this.renewTimer);
  }
}

export { LEASE_MS as PROOF_KEY_LEASE_MS };
