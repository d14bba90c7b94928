import { createHmac } from 'node:crypto';
import type { PublishedJwks } from './published-keys';
import { SigningKey } from './signing-key';
import { TokenRefused, TokenVerifier } from './token-verifier';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('TokenVerifier', () => {
  const key = SigningKey.generate();
  const jwks: PublishedJwks = { keys: [key.published('test', Date.now() + 60_000)] };
  const listeners: ((v: PublishedJwks) => void)[] = [];
  let current = jwks;
  const verifier = new TokenVerifier({ get: () => current, onChange: (cb) => (listeners.push(cb), () => undefined) }, { issuer: 'iss', audience: 'aud', typ: 'at+jwt' });
  const claims = (over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return { iss: 'iss', aud: 'aud', sub: 'c-1', role: 'customer', iat: now, exp: now + 60, ...over };
  };

  it('accepts a token of a published key with the right claims', async () => {
    await expect(verifier.verify(await key.sign(claims(), 'at+jwt'))).resolves.toMatchObject({ sub: 'c-1' });
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 120 }],
    ['another audience', { aud: 'other' }],
    ['another issuer', { iss: 'other' }],
  ])('refuses a token %s', async (_what, over) => {
    await expect(verifier.verify(await key.sign(claims(over), 'at+jwt'))).rejects.toBeInstanceOf(TokenRefused);
  });

  it('refuses alg none, HS256 keyed with the public key, another typ, and an unknown key', async () => {
    await expect(verifier.verify(`${b64({ alg: 'none', kid: key.kid })}.${b64(claims())}.`)).rejects.toBeInstanceOf(TokenRefused);
    const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'at+jwt' })}.${b64(claims())}`;
    const mac = createHmac('sha256', jwks.keys[0]!.x).update(input).digest('base64url');
    await expect(verifier.verify(`${input}.${mac}`)).rejects.toBeInstanceOf(TokenRefused);
    await expect(verifier.verify(await key.sign(claims(), 'gateway-proof+jwt'))).rejects.toBeInstanceOf(TokenRefused);
    await expect(verifier.verify(await SigningKey.generate().sign(claims(), 'at+jwt'))).rejects.toBeInstanceOf(TokenRefused);
  });

  it('follows the published keys: a key taken out of the JWKS stops verifying at once', async () => {
    const token = await key.sign(claims(), 'at+jwt');
    current = { keys: [] };
    listeners.forEach((l) => l(current));
    await expect(verifier.verify(token)).rejects.toBeInstanceOf(TokenRefused);
    current = jwks;
    listeners.forEach((l) => l(current));
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 'c-1' });
  });
});
