import { Inject, Injectable } from '@nestjs/common';
import { createLogger } from '@shop/common';
import { Account, Credentials } from './credentials';
import { InvalidCredentials, InvalidRefreshToken, SessionStoreUnavailable, SignInsAtCapacity, TooManyFailedSignIns } from './identity.errors';
import { RefreshTokens } from './refresh-tokens';
import { SignInGuard } from './sign-in-guard';
import { TokenIssuer } from './token-issuer';

/** What a client holds after signing in or refreshing. */
export interface IssuedTokens {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  subject: string;
  role: Account['role'];
}

/**
 * Signing in, refreshing and signing out. A user name locked by too many failures is refused before its
 * password is checked; password checks run a few at a time (SignInGuard); a session is a chain of single-use
 * refresh tokens (RefreshTokens).
 */
@Injectable()
export class SignInHandler {
  private readonly logger = createLogger('SignInHandler');

  constructor(
    @Inject(Credentials) private readonly credentials: Credentials,
    @Inject(SignInGuard) private readonly guard: SignInGuard,
    @Inject(RefreshTokens) private readonly refreshTokens: RefreshTokens,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
  ) {}

  async signIn(username: string, password: string): Promise<IssuedTokens> {
    const lockedFor = await this.store(() => this.guard.lockedFor(username));
    if (lockedFor > 0) throw new TooManyFailedSignIns(lockedFor);
    const checked = await this.guard.bounded(() => this.credentials.check(username, password));
    if (checked === undefined) throw new SignInsAtCapacity();
    const account = checked.value;
    if (account === undefined) {
      await this.store(() => this.guard.recordFailure(username));
      this.logger.event('warn', 'sign-in refused', { username });
      throw new InvalidCredentials();
    }
    await this.store(() => this.guard.recordSuccess(username));
    this.logger.event('log', 'signed in', { subject: account.subject, role: account.role });
    return this.tokensFor(account);
  }

  /** A new access token and a new refresh token for a refresh token, which is spent. */
  async refresh(refreshToken: string): Promise<IssuedTokens> {
    const session = await this.store(() => this.refreshTokens.spend(refreshToken));
    if (!session) throw new InvalidRefreshToken();
    return this.tokensFor(session.account, session.until);
  }

  /** Revokes the session's refresh token; the access token ends by itself within its 15 minutes. */
  async signOut(refreshToken: string): Promise<void> {
    await this.store(() => this.refreshTokens.revoke(refreshToken));
  }

  /** Redis (failure counts, sessions) is identity's own dependency: down, it is a 503 that says so, not a 500. */
  private async store<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (error) {
      this.logger.event('error', 'session store unavailable', { error: error instanceof Error ? error.message : String(error) });
      throw new SessionStoreUnavailable();
    }
  }

  private async tokensFor(account: Account, sessionUntil?: number): Promise<IssuedTokens> {
    const { accessToken, expiresIn } = await this.issuer.accessToken(account);
    const refreshToken = await this.store(() => this.refreshTokens.issue(account, sessionUntil));
    return { accessToken, tokenType: 'Bearer', expiresIn, refreshToken, subject: account.subject, role: account.role };
  }
}
