import type { StatusKey } from './recorder';

/**
 * Scenarios: what one iteration does. The open model starts one iteration per arrival; the closed model's
 * virtual users run iterations back to back. Every request goes through `ctx.request`, which records it.
 */
export interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  /** Its name in the report; by default the method and the path without ids. */
  name?: string;
}

export interface Answer {
  status: StatusKey;
  /** 0 when no HTTP answer came. */
  httpStatus: number;
  json: unknown;
}

export interface LoadContext {
  readonly vu: number;
  readonly iteration: number;
  /** The demo customer this iteration acts as (`c-1` .. `c-<customers>`). */
  readonly customerId: string;
  readonly signal: AbortSignal;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  /** Counts an iteration's business result (an order's end: `CONFIRMED`, `CANCELLED: <reason>`, ...). */
  outcome(name: string): void;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export interface Scenario {
  name: string;
  run(ctx: LoadContext): Promise<void>;
}

const pick = <T>(ctx: LoadContext, list: readonly T[]): T => list[Math.floor(ctx.random() * list.length)]!;

/** Cheap products with thousands in stock: a long checkout run neither sells out nor empties a wallet fast. */
export const DEFAULT_SKUS = ['SKU-0011', 'SKU-0012', 'SKU-0013', 'SKU-0014', 'SKU-0016', 'SKU-0017', 'SKU-0018'] as const;

/** Product reads, as a visitor does: the list mostly, one product sometimes. */
export function browse(skus: readonly string[] = DEFAULT_SKUS): Scenario {
  return {
    name: 'browse',
    async run(ctx) {
      if (ctx.random() < 0.7) await ctx.request('GET', '/api/products', { name: 'GET /api/products' });
      else await ctx.request('GET', `/api/products/${pick(ctx, skus)}`, { name: 'GET /api/products/:sku' });
    },
  };
}

export interface CheckoutOptions {
  skus?: readonly string[];
  pollEveryMs?: number;
  /** How long an order may stay PENDING before the iteration gives up on it (counted as `still PENDING`). */
  pollTimeoutMs?: number;
}

/** A purchase: a token, the order with it as Idempotency-Key, then the order polled until it ends. */
export function checkout(options: CheckoutOptions = {}): Scenario {
  const skus = options.skus ?? DEFAULT_SKUS;
  const pollEveryMs = options.pollEveryMs ?? 250;
  const pollTimeoutMs = options.pollTimeoutMs ?? 30_000;
  return {
    name: 'checkout',
    async run(ctx) {
      const token = await ctx.request('POST', '/api/orders/tokens', { body: { customerId: ctx.customerId }, name: 'POST /api/orders/tokens' });
      const key = (token.json as { token?: unknown } | undefined)?.token;
      if (token.httpStatus !== 201 || typeof key !== 'string') return ctx.outcome(`not placed: token ${token.status}`);
      const placed = await ctx.request('POST', '/api/orders', {
        body: { customerId: ctx.customerId, items: [{ sku: pick(ctx, skus), quantity: 1 }] },
        headers: { 'idempotency-key': key },
        name: 'POST /api/orders',
      });
      const id = (placed.json as { id?: unknown } | undefined)?.id;
      if ((placed.httpStatus !== 201 && placed.httpStatus !== 200) || typeof id !== 'string') return ctx.outcome(`not placed: ${placed.status}`);
      const deadline = Date.now() + pollTimeoutMs;
      for (;;) {
        await ctx.sleep(pollEveryMs);
        if (ctx.signal.aborted) return ctx.outcome('still PENDING');
        const order = await ctx.request('GET', `/api/orders/${id}`, { name: 'GET /api/orders/:id' });
        const view = order.json as { status?: unknown; reason?: unknown } | undefined;
        if (view?.status === 'CONFIRMED') return ctx.outcome('CONFIRMED');
        if (view?.status === 'CANCELLED') return ctx.outcome(`CANCELLED: ${String(view.reason ?? 'no reason')}`);
        if (Date.now() >= deadline) return ctx.outcome('still PENDING');
      }
    },
  };
}

/** Picks one scenario per iteration with the given weights. */
export function mix(parts: readonly { scenario: Scenario; weight: number }[]): Scenario {
  const total = parts.reduce((sum, p) => sum + p.weight, 0);
  if (parts.length === 0 || !(total > 0) || parts.some((p) => !(p.weight >= 0))) throw new Error('a mix needs weights >= 0 with a positive sum');
  return {
    name: `mix(${parts.map((p) => `${p.scenario.name}=${p.weight}`).join(',')})`,
    run(ctx) {
      let r = ctx.random() * total;
      for (const p of parts) {
        r -= p.weight;
        if (r < 0) return p.scenario.run(ctx);
      }
      return parts[parts.length - 1]!.scenario.run(ctx);
    },
  };
}

/** `browse=8,checkout=2` */
export function parseMix(text: string, builtIns: Record<string, Scenario>): Scenario {
  return mix(
    text.split(',').map((part) => {
      const m = /^\s*([a-z][a-z0-9-]*)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
      if (!m) throw new Error(`mix part "${part}" must look like browse=8`);
      const scenario = builtIns[m[1]!];
      if (!scenario) throw new Error(`mix part "${part}": no scenario ${m[1]} (${Object.keys(builtIns).join(', ')})`);
      return { scenario, weight: Number(m[2]) };
    }),
  );
}

export const builtInScenarios = (): Record<string, Scenario> => ({ browse: browse(), checkout: checkout() });

/**
 * A scenario file's JSON form (docs/load-testing.md): either a mix of the built-in scenarios,
 * `{"name":"mostly-browsing","mix":{"browse":9,"checkout":1}}`, or steps run in order each iteration,
 * `{"name":"two-reads","steps":[{"method":"GET","path":"/api/products/{sku}"},{"method":"GET","path":"/api/payments/accounts/{customer}"}]}`.
 * `{customer}` and `{sku}` in a path or a string of the body are replaced per iteration.
 */
export interface ScenarioFile {
  name?: string;
  mix?: Record<string, number>;
  steps?: { method?: string; path: string; body?: unknown; name?: string; headers?: Record<string, string> }[];
  skus?: string[];
}

const MAX_STEPS = 100;
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);

export function scenarioFromFile(file: unknown): Scenario {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) throw new Error('a scenario file holds an object with "mix" or "steps"');
  const f = file as ScenarioFile;
  const skus = Array.isArray(f.skus) && f.skus.every((s) => typeof s === 'string') && f.skus.length > 0 ? f.skus : DEFAULT_SKUS;
  const builtIns = { browse: browse(skus), checkout: checkout({ skus }) };
  if (f.mix !== undefined) {
    const parts = Object.entries(f.mix).map(([name, weight]) => {
      const scenario = builtIns[name as keyof typeof builtIns];
      if (!scenario || typeof weight !== 'number') throw new Error(`mix: "${name}" must be browse or checkout with a number weight`);
      return { scenario, weight };
    });
    return { ...mix(parts), name: f.name ?? mix(parts).name };
  }
  if (!Array.isArray(f.steps) || f.steps.length === 0 || f.steps.length > MAX_STEPS) throw new Error(`"steps" must be a list of 1..${MAX_STEPS} requests`);
  const steps = f.steps.map((s, i) => {
    const method = (s.method ?? 'GET').toUpperCase();
    if (!METHODS.has(method)) throw new Error(`step ${i + 1}: unknown method ${s.method}`);
    if (typeof s.path !== 'string' || !s.path.startsWith('/')) throw new Error(`step ${i + 1}: path must start with /`);
    return { ...s, method };
  });
  return {
    name: f.name ?? 'custom',
    async run(ctx) {
      const sku = pick(ctx, skus);
      const fill = (v: unknown): unknown =>
        typeof v === 'string'
          ? v.replaceAll('{customer}', ctx.customerId).replaceAll('{sku}', sku)
          : Array.isArray(v)
            ? v.map(fill)
            : typeof v === 'object' && v !== null
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]))
              : v;
      for (const s of steps) {
        await ctx.request(s.method, fill(s.path) as string, { body: fill(s.body), name: s.name ?? `${s.method} ${s.path}`, headers: s.headers });
      }
    },
  };
}
