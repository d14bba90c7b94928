import { arrivalTimesMs, Stage, totalDurationS, validateStages } from './arrival-schedule';
import { CustomerSessions, needsToken } from './customer-sessions';
import { latencyMs, Recorder, StatusKey } from './recorder';
import { seededRandom } from './seeded-random';
import type { Answer, LoadContext, RequestOptions, Scenario } from './scenarios';

/**
 * The load engine, shared by `npm run load` and the console: runs a scenario against a gateway in an open model
 * (arrivals at a promised rate, latency measured from each arrival's intended send time) or a closed one (N
 * virtual users back to back), bounded in requests in flight, iterations and time. It needs only `fetch`
 * and a clock, so the browser runs it as Node.js does.
 */
export interface OpenModel {
  kind: 'open';
  stages: Stage[];
}

export interface ClosedModel {
  kind: 'closed';
  vus: number;
  durationS: number;
  /** Virtual users start evenly spread over this time. */
  rampUpS?: number;
}

export interface LoadOptions {
  /** The gateway, e.g. http://127.0.0.1:8080 (the browser console passes its own origin). */
  baseUrl: string;
  scenario: Scenario;
  model: OpenModel | ClosedModel;
  /** Iterations in flight at most; an arrival beyond it is counted as `dropped` (an error), never delayed unseen. */
  maxInFlight?: number;
  /** Iterations at most (the console's bounded bursts). */
  maxIterations?: number;
  /** Hard stop of the whole run, the drain included: whatever is in flight then is aborted (`timeout`). */
  maxDurationS?: number;
  requestTimeoutMs?: number;
  /** How often GET /gateway/status is read for the breakers' states; 0: never. */
  statusEveryMs?: number;
  /** Demo customers c-1 .. c-<customers>. */
  customers?: number;
  password?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** A seed for the scenarios' choices, so two runs pick the same products. */
  seed?: number;
}

export interface Progress {
  elapsedS: number;
  /** Answers in the last complete second. */
  ratePerS: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  inFlight: number;
  byStatus: Record<string, number>;
  errors: number;
  rateLimited: number;
  dropped: number;
  breakers: Record<string, string>;
  identity: boolean | undefined;
}

export interface LoadRun {
  startedAt: string;
  durationS: number;
  recorder: Recorder;
  /** false when the gateway answered 404 to sign-in (no identity): calls went without a token. */
  identity: boolean | undefined;
  /** Arrivals the open model promised (undefined in the closed model). */
  intendedArrivals?: number;
  stoppedEarly: boolean;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DRAIN_GRACE_S = 35;

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const clock = () => performance.now();
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const maxInFlight = options.maxInFlight ?? 1000;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const customers = options.customers ?? 100;
  const password = options.password ?? 'shop-demo';
  const modelS = options.model.kind === 'open' ? totalDurationS(options.model.stages) : options.model.durationS;
  if (options.model.kind === 'open') validateStages(options.model.stages);
  else if (!(options.model.vus >= 1 && options.model.vus <= 10_000) || !(options.model.durationS > 0)) throw new Error('a closed model needs 1..10000 users and a duration > 0');
  const maxDurationS = options.maxDurationS ?? modelS + DRAIN_GRACE_S;
  const random = seededRandom(options.seed ?? 1);

  // Warm-up before the clock starts: the first fetch loads its HTTP client and opens a connection, which on a
  // busy machine takes long enough to show as the run's first second of latency otherwise.
  // A few at once, so that the first burst of the run finds connections open.
  const warm = () => doFetch(`${base}/gateway/status`, { signal: AbortSignal.timeout(2000) }).then((r) => r.body?.cancel(), () => undefined);
  await Promise.all(Array.from({ length: 4 }, warm));
  const start = clock();
  const startedAt = new Date().toISOString();
  const recorder = new Recorder(start);
  recorder.window(start);
  const stop = new AbortController(); // aborts everything in flight at the hard stop or the caller's signal
  const onOuterAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onOuterAbort);
  const modelEnd = start + Math.min(modelS, maxDurationS) * 1000;
  const hardStop = setTimeout(() => stop.abort(), maxDurationS * 1000);
  let inFlight = 0;
  let iterations = 0;
  const running = new Set<Promise<void>>();

  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<Answer> => {
    const init: RequestInit = { method, headers: { ...headers }, signal: AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    try {
      const res = await doFetch(base + path, init);
      const text = await readBounded(res);
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: String(res.status) as StatusKey, httpStatus: res.status, json };
    } catch (error) {
      const name = (error as Error).name;
      return { status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', httpStatus: 0, json: undefined };
    }
  };

  const sessions = new CustomerSessions(async (customerId) => {
    const began = clock();
    const a = await call('POST', '/api/auth/sign-in', { username: customerId, password }, {});
    // A 404 means "no identity on this gateway", not a failed request: it is not counted.
    if (a.httpStatus !== 404) recorder.record({ name: 'POST /api/auth/sign-in', status: a.status, latencyMs: clock() - began }, clock());
    return a;
  });

  const iterate = (index: number, vu: number, intendedAbs: number | undefined): Promise<void> => {
    let firstStart = intendedAbs;
    const customerId = `c-${(index % customers) + 1}`;
    const ctx: LoadContext = {
      vu,
      iteration: index,
      customerId,
      signal: stop.signal,
      random,
      outcome: (name) => recorder.outcome(name, clock()),
      sleep: (ms) => sleep(ms, stop.signal),
      async request(method: string, path: string, req: RequestOptions = {}): Promise<Answer> {
        // The first request of an open-model iteration is timed from when it was due, so a late start shows.
        const began = firstStart ?? clock();
        firstStart = undefined;
        const auth = needsToken(method, path) ? await sessions.headerFor(customerId) : {};
        const answer = await call(method, path, req.body, { ...req.headers, ...auth });
        if (answer.httpStatus === 401 && auth.authorization) sessions.forget(customerId);
        recorder.record({ name: req.name ?? `${method} ${path.replace(/\/[0-9a-f-]{36}$/, '/:id')}`, status: answer.status, latencyMs: clock() - began }, clock());
        return answer;
      },
    };
    iterations++;
    recorder.iterations++;
    inFlight++;
    const p = options.scenario
      .run(ctx)
      .catch(() => {
        recorder.failedIterations++;
      })
      .finally(() => {
        inFlight--;
        running.delete(p);
      });
    running.add(p);
    return p;
  };

  const underIterationCap = () => options.maxIterations === undefined || iterations < options.maxIterations;
  let intendedArrivals: number | undefined;

  const progressTimer = setInterval(() => options.onProgress?.(progress()), 1000);
  const status = options.statusEveryMs === 0 ? undefined : pollBreakers(base, doFetch, options.statusEveryMs ?? 1000, (states) => recorder.breakers(states, clock()));

  if (options.model.kind === 'open') {
    intendedArrivals = 0;
    const times = arrivalTimesMs(options.model.stages);
    let index = 0;
    await new Promise<void>((done) => {
      let next = times.next();
      const tick = () => {
        const now = clock();
        while (!next.done && start + next.value <= now && !stop.signal.aborted && start + next.value < modelEnd + 1 && underIterationCap()) {
          const due = start + next.value;
          recorder.window(due).intended = (recorder.window(due).intended ?? 0) + 1;
          intendedArrivals!++;
          recorder.window(now).inFlight = Math.max(recorder.window(now).inFlight, inFlight);
          if (inFlight >= maxInFlight) recorder.record({ name: options.scenario.name, status: 'dropped', latencyMs: 0 }, now);
          else void iterate(index, index, due);
          index++;
          next = times.next();
        }
        if (next.done || stop.signal.aborted || start + next.value >= modelEnd + 1 || !underIterationCap()) return done();
        setTimeout(tick, Math.max(0, start + next.value - clock() - 1));
      };
      tick();
    });
  } else {
    const { vus, rampUpS = 0 } = options.model;
    let index = 0;
    const user = async (vu: number) => {
      await sleep((rampUpS * 1000 * vu) / vus, stop.signal);
      while (!stop.signal.aborted && clock() < modelEnd && underIterationCap()) {
        recorder.window(clock()).inFlight = Math.max(recorder.window(clock()).inFlight, inFlight);
        await iterate(index++, vu, undefined);
      }
    };
    await Promise.all(Array.from({ length: vus }, (_, vu) => user(vu)));
  }
  await Promise.all([...running]); // bounded: the hard stop aborts whatever is still in flight
  clearTimeout(hardStop);
  clearInterval(progressTimer);
  status?.stop();
  options.signal?.removeEventListener('abort', onOuterAbort);
  const stoppedEarly = stop.signal.aborted;
  const run: LoadRun = { startedAt, durationS: (clock() - start) / 1000, recorder, identity: sessions.identity, intendedArrivals, stoppedEarly };
  options.onProgress?.(progress());
  return run;

  function progress(): Progress {
    const now = clock();
    // Reads windows without creating one: a progress call must not add an empty second to the timeline.
    const current = Math.floor((now - start) / 1000);
    const newest = recorder.windows[recorder.windows.length - 1]!;
    const last = recorder.windows[Math.max(0, current - 1)] ?? newest;
    return {
      elapsedS: (now - start) / 1000,
      ratePerS: last.requests,
      p50Ms: latencyMs(last.latency, 50),
      p99Ms: latencyMs(last.latency, 99),
      requests: recorder.requests,
      inFlight,
      byStatus: { ...recorder.byStatus },
      errors: recorder.errors,
      rateLimited: recorder.rateLimited,
      dropped: recorder.dropped,
      breakers: { ...newest.breakers },
      identity: sessions.identity,
    };
  }
}

/** Reads GET /gateway/status now and then for the breakers' states; one call at a time, each with a timeout. */
function pollBreakers(base: string, doFetch: typeof fetch, everyMs: number, onStates: (s: Record<string, string>) => void): { stop: () => void } {
  let busy = false;
  const read = async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await doFetch(`${base}/gateway/status`, { signal: AbortSignal.timeout(Math.min(everyMs, 2000)) });
      const body = JSON.parse(await readBounded(res)) as { breakers?: { upstream?: unknown; state?: unknown }[] };
      const states: Record<string, string> = {};
      for (const b of body.breakers ?? []) if (typeof b.upstream === 'string' && typeof b.state === 'string') states[b.upstream] = b.state;
      onStates(states);
    } catch {
      // No status (another kind of server, or the gateway busy): the breaker chart stays empty for that second.
    } finally {
      busy = false;
    }
  };
  void read();
  const timer = setInterval(() => void read(), everyMs);
  return { stop: () => clearInterval(timer) };
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return '';
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
