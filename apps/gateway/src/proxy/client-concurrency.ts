/**
 * A bound on one client's requests in flight through the proxy, by client address (the socket peer, or
 * X-Forwarded-For from a trusted proxy: see TrustedProxies). Rate limits bound how many requests a client
 * starts per second; this bounds how many it holds open at once, so that one client with slow uploads or slow
 * reads cannot take every upstream connection and the whole body budget from everyone else.
 * The map holds only clients with a request in flight, so its size is bounded by the requests in flight.
 */
export class ClientConcurrency {
  private readonly inFlight = new Map<string, number>();

  constructor(readonly maxPerClient: number) {}

  /** Takes a slot for `client`; false when it already holds maxPerClient. */
  tryEnter(client: string): boolean {
    const n = this.inFlight.get(client) ?? 0;
    if (n >= this.maxPerClient) return false;
    this.inFlight.set(client, n + 1);
    return true;
  }

  leave(client: string): void {
    const n = this.inFlight.get(client);
    if (n === undefined) return;
    if (n <= 1) this.inFlight.delete(client);
    else this.inFlight.set(client, n - 1);
  }

  /** Clients with at least one request in flight (status page). */
  get clients(): number {
    return this.inFlight.size;
  }
}
