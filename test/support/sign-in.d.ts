// Types of test/support/sign-in.js.
export declare const DEMO_CUSTOMER_PASSWORD: string;

export interface SignInAnswer {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  subject: string;
  role: 'customer' | 'operator';
  /** `{ authorization: 'Bearer <accessToken>' }` */
  headers: Record<string, string>;
}

/** How a sign-in is sent (a fetch with a retry policy, say); the global fetch by default. */
export type SignInFetch = (url: string, init: RequestInit) => Promise<Response>;

export declare function signIn(gatewayUrl: string, username: string, password?: string, fetchImpl?: SignInFetch): Promise<SignInAnswer>;

export declare class SignedInCustomers {
  constructor(gatewayUrl: string, password?: string, fetchImpl?: SignInFetch);
  headersFor(customerId: string): Promise<Record<string, string>>;
  /** Signs every one of `customerIds` in, `atOnce` at a time (default 4: identity's bound on password checks). */
  signInAll(customerIds: readonly string[], atOnce?: number): Promise<void>;
  forget(customerId: string): void;
}
