import { errorAnswerOf } from '@shop/testing';
import type { Credentials } from './credentials';
import type { RefreshTokens } from './refresh-tokens';
import { MAX_CONCURRENT_CHECKS, SignInGuard } from './sign-in-guard';
import { SignInHandler } from './sign-in.handler';
import type { TokenIssuer } from './token-issuer';

const customer = { subject: 'c-1', role: 'customer' as const };

/** A handler over stand-ins: `redis` answers the guard's and the sessions' calls, or throws when it is down. */
function handler(options: { failures?: number; ttl?: number; redisDown?: boolean; password?: string }) {
  const redis = (result: unknown) => () => (options.redisDown ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve(result));
  const guard = new SignInGuard({ get: redis(String(options.failures ?? 0)), ttl: redis(options.ttl ?? -2), incr: redis(1), expire: redis(1), del: redis(1) } as never);
  const credentials = { check: async (_user: string, password: string) => (password === (options.password ?? 'right') ? customer : undefined) } as unknown as Credentials;
  const sessions = { issue: redis('refresh-1'), spend: redis(undefined), revoke: redis(undefined) } as unknown as RefreshTokens;
  const issuer = { accessToken: async () => ({ accessToken: 'access-1', expiresIn: 900 }) } as unknown as TokenIssuer;
  return new SignInHandler(credentials, guard, sessions, issuer);
}

const refusal = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => errorAnswerOf(error));

describe('SignInHandler', () => {
  beforeAll(() => jest.spyOn(process.stdout, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it('signs a customer in with an access token and a refresh token', async () => {
    await expect(handler({}).signIn('c-1', 'right')).resolves.toEqual({
      accessToken: 'access-1',
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: 'refresh-1',
      subject: 'c-1',
      role: 'customer',
    });
  });

  it('a wrong password is 401 invalid_credentials', async () => {
    expect(await refusal(handler({}).signIn('c-1', 'wrong'))).toEqual({
      status: 401,
      headers: {},
      body: { error: { code: 'invalid_credentials', message: 'wrong user name or password' } },
    });
  });

  it('a user name locked by failures is 429 with Retry-After the seconds left, before any password check', async () => {
    expect(await refusal(handler({ failures: 10, ttl: 42 }).signIn('c-1', 'right'))).toEqual({
      status: 429,
      headers: { 'Retry-After': '42' },
      body: { error: { code: 'too_many_attempts', message: 'too many failed sign-ins for this user name; retry in 42 s' } },
    });
  });

  it('a sign-in beyond the password checks running at once is 503 overloaded with Retry-After', async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const checks = new SignInGuard({} as never);
    const slow = { check: () => gate.then(() => undefined) } as unknown as Credentials;
    const busy = new SignInHandler(slow, checks, {} as RefreshTokens, {} as TokenIssuer);
    const lockedFor = jest.spyOn(checks, 'lockedFor').mockResolvedValue(0);
    const running = Array.from({ length: MAX_CONCURRENT_CHECKS }, () => checks.bounded(() => slow.check('c-1', 'x')));
    expect(await refusal(busy.signIn('c-1', 'right'))).toEqual({
      status: 503,
      headers: { 'Retry-After': '1' },
      body: { error: { code: 'overloaded', message: 'too many sign-ins at once; retry' } },
    });
    release();
    await Promise.all(running);
    lockedFor.mockRestore();
  });

  it('a spent or unknown refresh token is 401 invalid_refresh_token', async () => {
    expect(await refusal(handler({}).refresh('spent'))).toMatchObject({ status: 401, body: { error: { code: 'invalid_refresh_token' } } });
  });

  it('the session store down is 503 session_store_unavailable with Retry-After, not a 500', async () => {
    for (const call of [(h: SignInHandler) => h.signIn('c-1', 'right'), (h: SignInHandler) => h.refresh('r'), (h: SignInHandler) => h.signOut('r')]) {
      expect(await refusal(call(handler({ redisDown: true })))).toEqual({
        status: 503,
        headers: { 'Retry-After': '1' },
        body: { error: { code: 'session_store_unavailable', message: 'sign-in is unavailable right now; retry' } },
      });
    }
  });
});
