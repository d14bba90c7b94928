import { EventEmitter } from 'node:events';
// @ts-expect-error -- a dependency-free ES module script without type declarations
import { createStackControl } from './stack-control.mjs';

interface FakeEntry {
  spec: { name: string; app: string; port: number };
  child: EventEmitter & { pid: number };
  startedAt: number;
  exit?: string;
  exited: Promise<void>;
  healthyAfterMs?: number;
}

/** A stack without processes: launching makes an entry, "health" is immediate. */
function fakeStack() {
  const running = new Map<string, FakeEntry>();
  const launches: string[] = [];
  const lines: string[] = [];
  const launch = (spec: FakeEntry['spec']) => {
    launches.push(spec.name);
    const child = Object.assign(new EventEmitter(), { pid: 100_000 + launches.length });
    running.set(spec.name, { spec, child, startedAt: Date.now(), exited: Promise.resolve() });
  };
  launch({ name: 'order-1', app: 'order', port: 3001 });
  launches.length = 0;
  const control = createStackControl({
    root: '/nonexistent',
    running,
    launch,
    waitHealthy: async (entry: FakeEntry) => {
      entry.healthyAfterMs = 1;
    },
    isStopping: () => false,
    say: (t: string) => lines.push(t),
    shout: (t: string) => lines.push(t),
    healthTimeoutMs: 1000,
  });
  const crash = () => {
    const entry = running.get('order-1')!;
    entry.exit = 'signal SIGKILL';
    control.onExit(entry);
  };
  return { control, running, launches, lines, crash };
}

describe('npm run stack supervision', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('restarts a crashed process with a growing backoff and says so', async () => {
    const stack = fakeStack();
    stack.crash();
    expect(stack.lines.at(-1)).toMatch(/order-1 crashed \(signal SIGKILL\); restarting in 1s/);
    await jest.advanceTimersByTimeAsync(999);
    expect(stack.launches).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(stack.launches).toEqual(['order-1']);

    stack.crash();
    expect(stack.lines.find((l) => /restarting in 2s \(crash 2 in a row\)/.test(l))).toBeDefined();
    await jest.advanceTimersByTimeAsync(2000);
    expect(stack.launches).toEqual(['order-1', 'order-1']);
  });

  it('leaves a process that was stopped on request down', () => {
    const stack = fakeStack();
    const entry = stack.running.get('order-1')!;
    stack.control.hold('order-1');
    entry.exit = 'signal SIGTERM';
    expect(stack.control.onExit(entry)).toBe(true);
    jest.advanceTimersByTime(60_000);
    expect(stack.launches).toEqual([]);
  });
});
