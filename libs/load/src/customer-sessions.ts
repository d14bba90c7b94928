/**
 * Signed-in demo customers: one `POST /api/auth/sign-in` per customer, shared by every iteration acting as it.
 * A gateway without identity answers 404 there: the run then sends no token at all (and says so once).
 */
export type SignIn = (customerId: string) => Promise<{ httpStatus: number; json: unknown }>;

export class CustomerSessions {
  private readonly tokens = new Map<string, Promise<string | undefined>>();
  /** undefined until the first sign-in answered; false when the gateway has no sign-in (404). */
  identity: boolean | undefined;

  constructor(private readonly signIn: SignIn) {}

  /** The Authorization header for this customer, or none when the gateway has no identity. */
  async headerFor(customerId: string): Promise<Record<string, string>> {
    if (this.identity === false) return {};
    let token = this.tokens.get(customerId);
    if (!token) {
      token = this.signIn(customerId).then(({ httpStatus, json }) => {
        if (httpStatus === 404) {
          this.identity = false;
          return undefined;
        }
        const accessToken = (json as { accessToken?: unknown } | undefined)?.accessToken;
        if (httpStatus !== 200 || typeof accessToken !== 'string') {
          this.tokens.delete(customerId); // the next iteration tries again
          return undefined;
        }
        this.identity = true;
        return accessToken;
      });
      this.tokens.set(customerId, token);
    }
    const value = await token;
    return value === undefined ? {} : { authorization: `Bearer ${value}` };
  }

  /** After a 401: the token expired or was revoked; the next call signs in again. */
  forget(customerId: string): void {
    this.tokens.delete(customerId);
  }
}

/** The contract: every /api call needs a token, except reading products. */
export function needsToken(method: string, path: string): boolean {
  return path.startsWith('/api/') && !(method === 'GET' && (path === '/api/products' || path.startsWith('/api/products/') || path.startsWith('/api/products?')));
}
