import './kafkajs-request-queue.patch';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { scheduleCheckPendingRequests(): void; checkPendingRequests(): void } };

describe("kafkajs' request queue scheduling (the 1 ms idle loop, TimeoutNegativeWarning)", () => {
  /** The delays of the timers one call asks for, with setTimeout stubbed (no timer runs). */
  const delaysOf = (method: 'scheduleCheckPendingRequests' | 'checkPendingRequests', queue: { throttledUntil: number; pending: unknown[] }): number[] => {
    const delays: number[] = [];
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((_fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return { unref() {} } as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    try {
      const self = {
        ...queue,
        throttleCheckTimeoutId: null,
        logger: { debug: () => undefined },
        canSendSocketRequestImmediately: () => false,
        scheduleCheckPendingRequests: RequestQueue.prototype.scheduleCheckPendingRequests,
      };
      if (method === 'checkPendingRequests') RequestQueue.prototype.checkPendingRequests.call(self);
      else RequestQueue.prototype.scheduleCheckPendingRequests.call({ ...self, checkPendingRequests: () => undefined });
    } finally {
      spy.mockRestore();
    }
    return delays;
  };

  it('schedules nothing when no request waits: the check a response runs does not start a timer loop', () => {
    expect(delaysOf('scheduleCheckPendingRequests', { throttledUntil: -1, pending: [] })).toEqual([]);
    expect(delaysOf('checkPendingRequests', { throttledUntil: -1, pending: [] })).toEqual([]);
  });

  it('keeps kafkajs delays for a waiting request: its 10 ms interval, or the throttle while throttled', () => {
    expect(delaysOf('scheduleCheckPendingRequests', { throttledUntil: -1, pending: [{}] })).toEqual([10]);
    const [throttled] = delaysOf('scheduleCheckPendingRequests', { throttledUntil: Date.now() + 5000, pending: [{}] });
    expect(throttled).toBeGreaterThan(4000);
  });
});
