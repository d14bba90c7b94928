import './kafkajs-negative-timeout';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: { scheduleCheckPendingRequests(): void } };

describe("kafkajs' request queue scheduling (TimeoutNegativeWarning)", () => {
  const delaysOf = (queue: { throttledUntil: number; pending: unknown[] }): number[] => {
    const delays: number[] = [];
    const spy = jest.spyOn(global, 'setTimeout').mockImplementation(((_fn: () => void, ms?: number) => {
      delays.push(ms ?? 0);
      return { unref() {} } as unknown as NodeJS.Timeout;
    }) as typeof setTimeout);
    try {
      RequestQueue.prototype.scheduleCheckPendingRequests.call({ ...queue, throttleCheckTimeoutId: null, checkPendingRequests: () => undefined });
    } finally {
      spy.mockRestore();
    }
    return delays;
  };

  it('never asks for a negative delay on a fresh queue with nothing pending (throttledUntil -1)', () => {
    expect(delaysOf({ throttledUntil: -1, pending: [] })).toEqual([1]);
  });

  it('keeps kafkajs delays otherwise: its 10 ms interval with requests pending, the throttle while throttled', () => {
    expect(delaysOf({ throttledUntil: -1, pending: [{}] })).toEqual([10]);
    const [throttled] = delaysOf({ throttledUntil: Date.now() + 5000, pending: [{}] });
    expect(throttled).toBeGreaterThan(4000);
  });
});
