/**
 * kafkajs 2.2.4 (its last release) ends every check of a connection's request queue by scheduling the next one,
 * whether or not a request waits: with nothing pending and no throttle the delay is `throttledUntil - Date.now()`
 * with `throttledUntil` = -1, a negative number that Node runs after 1 ms. So every connection (each producer,
 * consumer and admin client holds one per broker) runs a 1 ms timer for as long as it lives, and every Node
 * process of the shop woke its event loop a thousand times a second per connection, busy or idle, on cores shared
 * with Postgres and Kafka (upstream: tulios/kafkajs issues 1556 "CPU hike on v2.2.4" and 1704, fix proposed in
 * pull request 1667, unmerged). Since Node 23 the negative delay also prints `TimeoutNegativeWarning` (issue 1751).
 *
 * The same method, scheduling only when a request waits: a request pushed while throttled or at the in-flight
 * bound is queued and schedules its own check (push), and a response frees a slot and checks at once
 * (fulfillRequest), so nothing waiting is ever left without a check. Applied once, on import.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** kafkajs' own interval for a queue with pending requests and no throttle (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  // A throttle that ends within the millisecond still gets its check (kafkajs pull request 1532).
  const delay = untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
};

export {};
