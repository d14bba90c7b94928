/**
 * For tests that call services on their own ports (the saga tests, the trust tests): stands in for the gateway
 * as the services see it: a proof key published where the gateway publishes its own (config/gateway/proof-jwks,
 * by compare-and-set, beside the real gateway's if one runs) and proofs minted with it, as the gateway does.
 */
import { GATEWAY_PROOF, GATEWAY_PROOF_JWKS_KEY, GATEWAY_PROOF_TYP, KeyPublisher, Principal, SigningKey, VersionedKv } from '@shop/auth';

export const TEST_OPERATOR: Principal = { subject: 'test-operator', role: 'operator' };

function registryKv(registryUrl: string, registryToken: string): VersionedKv {
  const auth = { authorization: `Bearer ${registryToken}` };
  return {
    async read(key) {
      const res = await fetch(`${registryUrl}/v1/kv/${key}`, { headers: auth, signal: AbortSignal.timeout(5000) });
      if (res.status === 404) return undefined;
      if (res.status !== 200) throw new Error(`GET ${key} answered ${res.status}`);
      const body = (await res.json()) as { value: unknown; modIndex: number };
      return { value: body.value, modIndex: body.modIndex };
    },
    async writeIfUnchanged(key, value, modIndex) {
      const res = await fetch(`${registryUrl}/v1/kv/${key}?cas=${modIndex}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ value }),
        signal: AbortSignal.timeout(5000),
      });
      if (res.status === 409) return false;
      if (res.status !== 200) throw new Error(`PUT ${key} answered ${res.status}`);
      return true;
    },
  };
}

export class StandInGateway {
  /** Proofs reused for half their life, as the gateway does (a benchmark's client should not sign per call). */
  private readonly cache = new Map<string, { headers: Promise<Record<string, string>>; until: number }>();

  private constructor(private readonly key: SigningKey) {}

  /** Publishes a fresh proof key; services accept its proofs once the config center pushed it (within a second). */
  static async publish(registryUrl: string, registryToken: string): Promise<StandInGateway> {
    const key = SigningKey.generate();
    await new KeyPublisher({
      kv: registryKv(registryUrl, registryToken),
      configKey: GATEWAY_PROOF_JWKS_KEY,
      owner: `stand-in-${process.pid}-${key.kid}`,
      retainMs: 120_000,
      leaseMs: 3_600_000,
    }).publish(key);
    return new StandInGateway(key);
  }

  /** A proof for `service` speaking for `caller`, valid for `lifetimeSec` (the gateway's: 60 s). */
  proof(service: string, caller: Principal = TEST_OPERATOR, lifetimeSec: number = GATEWAY_PROOF.lifetimeSec): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return this.key.sign({ iss: GATEWAY_PROOF.issuer, aud: service, sub: caller.subject, role: caller.role, iat: now, exp: now + lifetimeSec }, GATEWAY_PROOF_TYP);
  }

  headers(service: string, caller: Principal = TEST_OPERATOR): Promise<Record<string, string>> {
    const key = `${service}\n${caller.role}\n${caller.subject}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > Date.now()) return hit.headers;
    if (this.cache.size > 1000) this.cache.clear();
    const headers = this.proof(service, caller).then((proof) => ({ authorization: `Bearer ${proof}` }));
    this.cache.set(key, { headers, until: Date.now() + (GATEWAY_PROOF.lifetimeSec * 1000) / 2 });
    return headers;
  }
}
