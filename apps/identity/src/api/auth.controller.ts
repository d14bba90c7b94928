import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { Caller } from '@shop/auth';
import type { Principal } from '@shop/auth';
import { BodyBounds, createLogger, Forbidden } from '@shop/common';
import { SignInHandler } from '../application/sign-in.handler';
import { TokenIssuer } from '../application/token-issuer';
import { SignInDto, RefreshDto } from './auth.dto';

/**
 * Sign-in, refresh, sign-out, and the operators' key rotation. Reached through the gateway like every service
 * (it routes /api/auth/*), so every call carries the gateway's proof; sign-in's is anonymous.
 */
@Controller('auth')
export class AuthController {
  private readonly logger = createLogger('AuthController');

  constructor(
    @Inject(SignInHandler) private readonly sessions: SignInHandler,
    @Inject(TokenIssuer) private readonly issuer: TokenIssuer,
  ) {}

  @Post('sign-in')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  signIn(@Body() body: SignInDto) {
    return this.sessions.signIn(body.username, body.password);
  }

  @Post('refresh')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  refresh(@Body() body: RefreshDto) {
    return this.sessions.refresh(body.refreshToken);
  }

  @Post('sign-out')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 1024, maxDepth: 1, maxArrayLength: 0 })
  async signOut(@Body() body: RefreshDto) {
    await this.sessions.signOut(body.refreshToken);
    return { ok: true };
  }

  /** Operators only: a new signing key, published beside the previous one (whose tokens stay valid until they expire). */
  @Post('keys/rotate')
  @HttpCode(200)
  @BodyBounds({ maxBytes: 64, maxDepth: 1, maxArrayLength: 0 })
  async rotate(@Caller() caller: Principal) {
    if (caller.role !== 'operator') throw new Forbidden('forbidden', 'key rotation is for operators');
    const previous = this.issuer.kid;
    const rotated = await this.issuer.rotate();
    this.logger.event('log', 'admin action: signing key rotated', { actor: caller.subject, previous, kid: rotated.kid });
    return { previous, ...rotated };
  }
}
