'use strict';
// The one sign-in helper of tests and tools (end-to-end tests, chaos traffic, benchmarks, the compose check):
// POST /api/auth/sign-in through the gateway, and the Authorization header that goes with the answer.
// CommonJS with a .d.ts beside it, like deploy/topology.js, so that TypeScript and .mjs scripts load it as is.

/** The demo customers' password of the local stack, the tests and compose (README). */
const DEMO_CUSTOMER_PASSWORD = process.env.DEMO_CUSTOMER_PASSWORD || 'shop-demo';

/**
 * Signs in through the gateway; resolves to the sign-in answer plus `headers` ({authorization}). Throws with
 * the status and body on anything but 200.
 * @param {string} gatewayUrl
 * @param {string} username  `c-<n>` or `ops`
 * @param {string} [password] the demo customers' password by default
 * @param {(url: string, init: RequestInit) => Promise<Response>} [fetchImpl] e.g. a fetch with a retry policy
 */
async function signIn(gatewayUrl, username, password = DEMO_CUSTOMER_PASSWORD, fetchImpl = fetch) {
  const res = await fetchImpl(`${gatewayUrl}/api/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`sign-in as ${username} answered ${res.status}: ${text.slice(0, 200)}`);
  const answer = JSON.parse(text);
  return { ...answer, headers: { authorization: `Bearer ${answer.accessToken}` } };
}

/**
 * Signed-in customers of one gateway, each signed in once (an access token lives 15 minutes: long enough for
 * any test or tool run here; a longer run calls `forget` and signs in again).
 */
class SignedInCustomers {
  /**
   * @param {string} gatewayUrl
   * @param {(url: string, init: RequestInit) => Promise<Response>} [fetchImpl] how each sign-in is sent
   */
  constructor(gatewayUrl, password = DEMO_CUSTOMER_PASSWORD, fetchImpl = fetch) {
    this.gatewayUrl = gatewayUrl;
    this.password = password;
    this.fetchImpl = fetchImpl;
    /** @type {Map<string, Promise<Record<string, string>>>} */
    this.sessions = new Map();
  }

  /** The Authorization header of `customerId` (signing in on first use). */
  headersFor(customerId) {
    let session = this.sessions.get(customerId);
    if (!session) {
      session = signIn(this.gatewayUrl, customerId, this.password, this.fetchImpl).then((a) => a.headers);
      session.catch(() => this.sessions.delete(customerId));
      this.sessions.set(customerId, session);
    }
    return session;
  }

  /**
   * Signs every one of `customerIds` in before a run, `atOnce` at a time: identity checks at most four passwords at
   * once per instance and refuses more with 503, which is not what a load or fault run means to measure.
   * @param {string[]} customerIds
   */
  async signInAll(customerIds, atOnce = 4) {
    const queue = [...customerIds];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.headersFor(id);
    };
    await Promise.all(Array.from({ length: atOnce }, worker));
  }

  forget(customerId) {
    this.sessions.delete(customerId);
  }
}

module.exports = { DEMO_CUSTOMER_PASSWORD, signIn, SignedInCustomers };
