/**
 * The index a blocking query passes as `?index=`. Consul #7939: when a server answers with an index lower
 * than the one asked for (another node that lags, a restored node), a watcher that kept the higher index would
 * sleep through real changes; a watcher that took the lower one as is would spin. Rule (Consul's): an index
 * that goes backwards resets the cursor to 0, so the next query answers at once with a fresh view.
 */
export class BlockingCursor {
  private value = 0;

  get index(): number {
    return this.value;
  }

  /** Records the X-Raft-Index of an answer. Returns true when the query should pause before the next one:
   *  the index did not move forward, so an immediate re-query could spin. */
  advance(received: number): boolean {
    const sent = this.value;
    if (!Number.isSafeInteger(received) || received < 0 || received < sent) {
      this.value = 0;
      return true;
    }
    this.value = received;
    return received === sent;
  }

  reset(): void {
    this.value = 0;
  }
}
