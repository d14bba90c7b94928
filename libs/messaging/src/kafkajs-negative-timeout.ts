/**
 * kafkajs 2.2.4 (its last release) schedules its request queue's next check at `throttledUntil - Date.now()`, and
 * `throttledUntil` starts at -1: with nothing pending that is a negative delay, which Node runs after 1 ms anyway
 * but, since Node 23, also reports as `TimeoutNegativeWarning: -17966... is a negative number` on stderr at every
 * start of every service (upstream: tulios/kafkajs issue 1751, unmerged). The same method, with the delay Node
 * would use (1 ms) passed explicitly: behaviour unchanged, no warning. Applied once, on import.
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
  let scheduleAt = this.throttledUntil - Date.now();
  if (!this.throttleCheckTimeoutId) {
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, Math.max(1, scheduleAt));
  }
};

export {};
