import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { Caller } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { ApiError, BodyBounds, createLogger } from '@shop/common';
import { Account, Credentials } from '../application/credentials';
import { RefreshTokens } from '../application/refresh-tokens';
import { SignInGuard } from '../application/sign-in-guard';
import { TokenIssuer } from '../application/token-issuer';
import { SignInDto, RefreshDto } from './auth.dto';

const INVALID = () => new ApiError(401, 'invalid_credentials', 'wrong user name or password');

/**
 * Sign-in, refresh, sign-out, and the operators' key rotation. Reached through the gateway like every service
 * (it routes /api/auth/*), so every call carries the gateway's proof; sign-in's is anonymous.
 */
@Controller('auth')
export class AuthController {
  private readonly logger = createLogger('AuthController');

  constructor(
    @Inject(Credentials) private readonly credentials: Credentials,
    @Inject(SignInGuard) private readonly guard: SignInGuard,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
  ) {}

  @Post('sign-in')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  async signIn(@Body() body: SignInDto) {
    const lockedFor = await this.store(() => this.guard.lockedFor(body.username));
    if (lockedFor > 0) {
      throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins for this user name; retry in ${lockedFor} s`, { 'Retry-After': String(lockedFor) });
    }
    const checked = await this.guard.bounded(() => this.credentials.check(body.username, body.password));
    if (checked === undefined) throw new ApiError(503, 'overloaded', 'too many sign-ins at once; retry', { 'Retry-After': '1' });
    const account = checked.value;
    if (account === undefined) {
      await this.store(() => this.guard.recordFailure(body.username));
      this.logger.event('warn', 'sign-in refused', { username: body.username });
      throw INVALID();
    }
    await this.store(() => this.guard.recordSuccess(body.username));
    this.logger.event('log', 'signed in', { subject: account.subject, role: account.role });
    return this.tokensFor(account);
  }

  /** A new access token and a new refresh token for a refresh token, which is spent. */
  @Post('refresh')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  async refresh(@Body() body: RefreshDto) {
    const session = await this.store(() => this.refreshTokens.spend(body.refreshToken));
    if (!session) throw new ApiError(401, 'invalid_refresh_token', 'refresh token unknown, used, revoked or expired: sign in again');
    return this.tokensFor(session.account, session.until);
  }

  /** Revokes the session's refresh token; the access token ends by itself within its 15 minutes. */
  @Post('sign-out')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  async signOut(@Body() body: RefreshDto) {
    await this.store(() => this.refreshTokens.revoke(body.refreshToken));
    return { ok: true };
  }

  /** Operators only: a new signing key, published beside the previous one (whose tokens stay valid until they expire). */
  @Post('keys/rotate')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 64, maxDepth: 1, maxArrayLength: 0 })
  async rotate(@Caller() caller: Principal) {
    if (caller.role !== 'operator') throw new ApiError(403, 'forbidden', 'key rotation is for operators');
    const previous = this.issuer.kid;
    const rotated = await this.issuer.rotate();
    this.logger.event('log', 'admin action: signing key rotated', { actor: caller.subject, previous, kid: rotated.kid });
    return { previous, ...rotated };
  }

  /** Redis (failure counts, sessions) is identity's own dependency: down, it is a 503 that says so, not a 500. */
  private async store<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      this.logger.event('error', 'session store unavailable', { error: error instanceof Error ? error.message : String(error) });
      throw new ApiError(503, 'session_store_unavailable', 'sign-in is unavailable right now; retry', { 'Retry-After': '1' });
    }
  }

  private async tokensFor(account: Account, sessionUntil?: number) {
    const { accessToken, expiresIn } = await this.issuer.accessToken(account);
    const refreshToken = await this.store(() => this.refreshTokens.issue(account, sessionUntil));
    return { accessToken, tokenType: 'Bearer', expiresIn, refreshToken, subject: account.subject, role: account.role };
  }
}
