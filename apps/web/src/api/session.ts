import { request } from './http';

/** A signed-in person as the page keeps them: the tokens of POST /api/auth/sign-in and when the access token ends. */
export interface Session {
  accessToken: string;
  refreshToken: string;
  subject: string;
  role: 'customer' | 'operator';
  /** ms since the epoch. */
  expiresAt: number;
}

interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  subject: string;
  role: Session['role'];
}

/** Refresh this long before the access token ends, so no request goes out with one about to expire. */
const REFRESH_AHEAD_MS = 60_000;

const toSession = (a: TokenAnswer): Session => ({
  accessToken: a.accessToken,
  refreshToken: a.refreshToken,
  subject: a.subject,
  role: a.role,
  expiresAt: Date.now() + a.expiresIn * 1000,
});

/**
 * One signed-in session (the shop's customer, or the console's operator), kept in sessionStorage: it lives as
 * long as this tab, is never written to disk by the page, and is not shared with other tabs. The access token
 * (15 minutes) is refreshed with the refresh token shortly before it ends.
 */
export class SessionStore {
  private session: Session | undefined;
  private refreshing: Promise<Session | undefined> | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    /** undefined outside a browser (unit tests): the session is then kept in memory only. */
    private readonly storage: Storage | undefined,
    private readonly key: string,
  ) {
    try {
      this.session = JSON.parse(storage?.getItem(key) ?? 'null') ?? undefined;
    } catch {
      this.session = undefined;
    }
  }

  get current(): Session | undefined {
    return this.session;
  }

  async signIn(username: string, password: string): Promise<Session> {
    const { body } = await request<TokenAnswer>('POST', '/api/auth/sign-in', { body: { username, password } });
    this.set(toSession(body));
    return this.session!;
  }

  /** Revokes the refresh token (best effort) and forgets the session. */
  async signOut(): Promise<void> {
    const session = this.session;
    this.set(undefined);
    if (session) await request('POST', '/api/auth/sign-out', { body: { refreshToken: session.refreshToken } }).catch(() => undefined);
  }

  /** `{Authorization}` with a fresh access token, or {} when nobody is signed in (the API then answers 401). */
  async headers(): Promise<Record<string, string>> {
    let session = this.session;
    if (session && session.expiresAt - Date.now() < REFRESH_AHEAD_MS) session = await this.refresh();
    return session ? { Authorization: `Bearer ${session.accessToken}` } : {};
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private refresh(): Promise<Session | undefined> {
    const session = this.session;
    if (!session) return Promise.resolve(undefined);
    this.refreshing ??= request<TokenAnswer>('POST', '/api/auth/refresh', { body: { refreshToken: session.refreshToken } })
      .then(
        ({ body }) => {
          this.set(toSession(body));
          return this.session;
        },
        () => {
          // Spent, revoked or past the session's end: sign in again.
          this.set(undefined);
          return undefined;
        },
      )
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private set(session: Session | undefined): void {
    this.session = session;
    if (session) this.storage?.setItem(this.key, JSON.stringify(session));
    else this.storage?.removeItem(this.key);
    for (const listener of [...this.listeners]) listener();
  }
}

const tabStorage = typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
/** The shop's signed-in customer. */
export const customerSession = new SessionStore(tabStorage, 'shop.session');
/** The console's signed-in operator (a separate session: an operator can watch the shop as a customer). */
export const operatorSession = new SessionStore(tabStorage, 'shop.operatorSession');

/** The demo's customers and their password, shown on the sign-in page (README). */
export const DEMO_HINT = 'Demo customers c-1 … c-100 sign in with the password shop-demo.';
