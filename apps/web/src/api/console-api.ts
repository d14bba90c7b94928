import { operatorSession } from './session';
import { request } from './http';

/**
 * The operations endpoints (the gateway's own `/gateway/status` and `/gateway/series`, the console service's
 * `/api/console/*`, the admin API `/gateway/admin/*`), read into the small shapes the console draws. The readers
 * accept a few spellings of each field, so the console keeps working while the gateway's answers evolve; what
 * they cannot read is shown as missing, never guessed.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (...vs: unknown[]): number | undefined => vs.find((v): v is number => typeof v === 'number' && Number.isFinite(v));
const str = (...vs: unknown[]): string | undefined => vs.find((v): v is string => typeof v === 'string' && v !== '');

/** An array as is, or an object keyed by name turned into entries that carry that name. */
function entries(value: unknown, nameField: string): Obj[] {
  if (Array.isArray(value)) return value.filter(isObj);
  if (!isObj(value)) return [];
  return Object.entries(value).map(([name, v]) => (isObj(v) ? { [nameField]: name, ...v } : { [nameField]: name, value: v }));
}

export interface ClusterNode {
  id: string;
  url?: string;
  role: string;
  term?: number;
  commitIndex?: number;
  appliedIndex?: number;
  leader?: string;
  error?: string;
}

export function readCluster(body: unknown): ClusterNode[] {
  const list = Array.isArray(body) ? body : isObj(body) ? (body.nodes ?? body.members ?? body.cluster) : undefined;
  // The gateway asks each node's GET /v1/cluster and passes on {url, ok, status, body | error}.
  return entries(list, 'id').map((n) => {
    const info = isObj(n.body) ? n.body : isObj(n.cluster) ? n.cluster : n;
    const error = str(n.error, isObj(n.error) ? n.error.message : undefined, n.ok === false ? `HTTP ${String(n.status ?? '?')}` : undefined);
    return {
      id: str(info.id, n.id, n.nodeId, n.url) ?? '?',
      url: str(n.url, n.address),
      role: (str(info.role, info.state) ?? (error ? 'unreachable' : 'unknown')).toLowerCase().replace(/^state/, ''),
      term: num(info.term),
      commitIndex: num(info.commitIndex),
      appliedIndex: num(info.appliedIndex, info.lastApplied),
      leader: str(info.leader, info.leaderId) ?? undefined,
      error,
    };
  });
}

export interface ServiceInstances {
  service: string;
  instances: { id: string; address?: string; sent?: number; outstanding?: number; failures?: number }[];
}

export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN' | 'UNKNOWN';

export function normalizeBreakerState(raw: unknown): BreakerState {
  const s = String(raw ?? '').toUpperCase().replace(/[-\s]/g, '_');
  if (s === 'CLOSED' || s === 'OPEN') return s;
  if (s === 'HALF_OPEN' || s === 'HALFOPEN') return 'HALF_OPEN';
  return 'UNKNOWN';
}

export interface Breaker {
  name: string;
  state: BreakerState;
  retryAfterMs?: number;
  slowCalls?: number;
  calls?: number;
  failures?: number;
  timeouts?: number;
  rejects?: number;
  p99Ms?: number;
}

export interface RatePolicy {
  name: string;
  algorithm?: string;
  admitted?: number;
  rejected?: number;
  /** The policy's settings (limit, window, capacity, rate...) as sent, for display. */
  settings: Record<string, number | string | boolean>;
  /** The policy in the shape `config/gateway/rate-limits` takes, to start an edit from. */
  config: Record<string, Json>;
}

export interface Route {
  path: string;
  service: string;
}

export interface GatewayStatus {
  services: ServiceInstances[];
  breakers: Breaker[];
  policies: RatePolicy[];
  /** The rate limiter's Redis connection, as the gateway reports it. */
  rateLimitRedis?: string;
  routes: Route[];
}

const STATS_FIELDS = ['admitted', 'rejected', 'delayed', 'failedOpen', 'failedClosed', 'decidedLocally', 'stats'];

function primitives(o: Obj, skip: readonly string[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string')) out[k] = v.join(',');
  }
  return out;
}

/** A policy as the status reports it (match fields flattened) back into the config's shape. */
function policyConfig(p: Obj): Record<string, Json> {
  const config: Record<string, Json> = {};
  const match: Record<string, Json> = {};
  for (const [k, v] of Object.entries(p)) {
    if (STATS_FIELDS.includes(k)) continue;
    if (k === 'methods' && Array.isArray(v)) {
      if (v.length > 0) match.methods = v as Json[];
    } else if (k === 'pathPrefix' && typeof v === 'string') match.pathPrefix = v;
    else config[k] = v as Json;
  }
  if (Object.keys(match).length > 0) config.match = match;
  return config;
}

export function readStatus(body: unknown): GatewayStatus {
  const root = isObj(body) ? body : {};
  const services = entries(root.services ?? root.instances, 'service').map((s) => {
    const list = Array.isArray(s.instances) ? s.instances : Array.isArray(s.value) ? s.value : [];
    return {
      service: str(s.service, s.name) ?? '?',
      instances: list.filter(isObj).map((i) => ({
        id: str(i.id, i.instanceId) ?? '?',
        address: typeof i.port === 'number' ? `${str(i.address) ?? '?'}:${i.port}` : str(i.address),
        sent: num(i.sent),
        outstanding: num(i.outstanding),
        failures: num(i.failures),
      })),
    };
  });
  const breakers = entries(root.breakers, 'upstream').map((b) => {
    const stats = isObj(b.stats) ? b.stats : {};
    return {
      name: str(b.upstream, b.name, b.service) ?? '?',
      state: normalizeBreakerState(b.state ?? b.value),
      retryAfterMs: num(b.retryAfterMs),
      slowCalls: num(b.slowCalls, isObj(b.slowCalls) ? b.slowCalls.slow : undefined),
      calls: num(stats.fires),
      failures: num(stats.failures),
      timeouts: num(stats.timeouts),
      rejects: num(stats.rejects),
      p99Ms: num(stats.p99Ms),
    };
  });
  const limits = isObj(root.rateLimits) && Array.isArray(root.rateLimits.policies) ? root.rateLimits : { policies: root.rateLimits ?? root.policies };
  const policies = entries(limits.policies, 'name').map((p) => {
    const stats = isObj(p.stats) ? p.stats : p;
    return {
      name: str(p.name, p.policy, p.id) ?? '?',
      algorithm: str(p.algorithm),
      admitted: num(stats.admitted, stats.allowed),
      rejected: num(stats.rejected, stats.denied),
      settings: primitives(p, ['name', 'algorithm', ...STATS_FIELDS]),
      config: policyConfig(p),
    };
  });
  const redis = isObj(limits) ? limits.redis : undefined;
  const routes = entries(root.routes, 'path').map((r) => ({
    path: str(r.path, r.prefix, r.pathPrefix) ?? '?',
    service: str(r.service, r.upstream, r.target) ?? '?',
  }));
  return { services, breakers, policies, routes, rateLimitRedis: str(redis, isObj(redis) ? redis.state : undefined) };
}

export interface OutboxBacklog {
  service: string;
  instance?: string;
  pending?: number;
  /** Dead letters: rows that failed too often, parked until replayed. */
  parked?: number;
  /** Inbound messages this service could not handle, parked until replayed. */
  parkedInbound?: number;
  published?: number;
  oldestAgeMs?: number;
  error?: string;
}

/** The gateway asks each service's GET /outbox/stats and passes on {service, instance, ok, status, body | error}. */
export function readOutbox(body: unknown): OutboxBacklog[] {
  const list = isObj(body) && (body.services !== undefined || body.outbox !== undefined) ? (body.services ?? body.outbox) : body;
  return entries(list, 'service').map((s) => {
    const stats = isObj(s.body) ? s.body : isObj(s.stats) ? s.stats : s;
    return {
      service: str(s.service, s.name) ?? '?',
      instance: str(s.instance),
      pending: num(stats.pending, stats.backlog, stats.unpublished),
      parked: num(stats.dead, stats.parked, stats.deadLetter),
      parkedInbound: num(stats.parkedInbound),
      published: num(stats.published),
      oldestAgeMs: num(stats.oldestPendingAgeMs, stats.oldestAgeMs),
      error: str(s.error, isObj(s.error) ? s.error.message : undefined, s.ok === false ? `HTTP ${String(s.status ?? '?')}` : undefined),
    };
  });
}

export interface SagaEvent {
  type: string;
  at?: string;
  /** The service whose outbox or inbox holds this step. */
  source?: string;
  /** 'out': written to that service's outbox; 'in': consumed through its inbox. */
  direction?: string;
  /** Outbox: pending | published | dead; inbox: processed. */
  status?: string;
  id?: string;
  detail?: string;
}

export interface Saga {
  events: SagaEvent[];
  /** Services that could not be asked (their steps are missing from the timeline, not absent). */
  unanswered: string[];
  /** The order's trace in Jaeger (when the gateway has JAEGER_URL and the order was traced). */
  traceUrl?: string;
}

/** The gateway merges each service's GET /events?aggregateId= into `{orderId, events, sources}`. */
export function readSaga(body: unknown): Saga {
  const root = isObj(body) ? body : {};
  const list = Array.isArray(body) ? body : (root.events ?? root.timeline ?? []);
  const events = entries(list, 'type').map((e) => {
    const payload = isObj(e.payload) ? e.payload : undefined;
    return {
      type: str(e.type, e.eventType) ?? '?',
      at: str(e.at, e.occurredAt, e.createdAt),
      source: str(e.service, e.source),
      direction: str(e.direction),
      status: str(e.status),
      id: str(e.eventId, e.id),
      detail: str(payload?.reason, e.reason),
    };
  });
  // At the same instant, a step is written (out) before it is consumed (in).
  const rank = (e: SagaEvent): number => (e.direction === 'out' ? 0 : 1);
  events.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || rank(a) - rank(b));
  const unanswered = (Array.isArray(root.sources) ? root.sources.filter(isObj) : [])
    .filter((s) => s.ok === false)
    .map((s) => `${str(s.service) ?? '?'} (${str(s.error) ?? `HTTP ${String(s.status ?? '?')}`})`);
  const traceUrl = str(root.traceUrl);
  return { events, unanswered, ...(traceUrl !== undefined && /^https?:\/\//.test(traceUrl) ? { traceUrl } : {}) };
}

/** A point of a per-second series: `t` in epoch milliseconds. */
export interface RatePoint {
  t: number;
  admitted: number;
  rejected: number;
}

export interface BreakerSample {
  t: number;
  state: BreakerState;
}

export interface Series {
  policies: Map<string, RatePoint[]>;
  breakers: Map<string, BreakerSample[]>;
}

/** Times are epoch milliseconds or ISO strings. */
const toMillis = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
};

export function readSeries(body: unknown): Series {
  const root = isObj(body) ? body : {};
  const policies = new Map<string, RatePoint[]>();
  for (const p of entries(root.rateLimits ?? root.policies ?? root.rateLimit, 'name')) {
    const name = str(p.name, p.policy) ?? '?';
    const points = Array.isArray(p.points) ? p.points : Array.isArray(p.value) ? p.value : Array.isArray(p.series) ? p.series : [];
    policies.set(
      name,
      points
        .filter(isObj)
        .map((pt) => ({ t: toMillis(pt.t ?? pt.at ?? pt.time ?? pt.second) ?? NaN, admitted: num(pt.admitted, pt.allowed) ?? 0, rejected: num(pt.rejected, pt.denied) ?? 0 }))
        .filter((pt) => Number.isFinite(pt.t)),
    );
  }
  const breakers = new Map<string, BreakerSample[]>();
  // The gateway keeps breaker transitions ({name, from, to, reason, at}); the state before the first one
  // is its `from`, and held since the breaker was made.
  for (const tr of Array.isArray(root.breakerTransitions) ? root.breakerTransitions.filter(isObj) : []) {
    const name = str(tr.name, tr.upstream);
    const at = toMillis(tr.at ?? tr.t);
    if (name === undefined || at === undefined) continue;
    const list = breakers.get(name) ?? [{ t: 0, state: normalizeBreakerState(tr.from) }];
    list.push({ t: at, state: normalizeBreakerState(tr.to) });
    breakers.set(name, list);
  }
  for (const b of entries(root.breakers, 'name')) {
    const name = str(b.name, b.upstream) ?? '?';
    const points = Array.isArray(b.points) ? b.points : Array.isArray(b.value) ? b.value : Array.isArray(b.series) ? b.series : Array.isArray(b.transitions) ? b.transitions : [];
    breakers.set(
      name,
      points
        .filter(isObj)
        .map((pt) => ({ t: toMillis(pt.t ?? pt.at ?? pt.time) ?? NaN, state: normalizeBreakerState(pt.state ?? pt.to) }))
        .filter((pt) => Number.isFinite(pt.t)),
    );
  }
  return { policies, breakers };
}

export const fetchCluster = async (): Promise<ClusterNode[]> => readCluster((await request<unknown>('GET', '/api/console/cluster')).body);
export const fetchStatus = async (): Promise<GatewayStatus> => readStatus((await request<unknown>('GET', '/gateway/status')).body);
export const fetchOutbox = async (): Promise<OutboxBacklog[]> => readOutbox((await request<unknown>('GET', '/api/console/outbox')).body);
export const fetchSaga = async (orderId: string): Promise<Saga> =>
  readSaga((await request<unknown>('GET', `/api/console/sagas/${encodeURIComponent(orderId)}`, { headers: await operatorSession.headers() })).body);
export const fetchSeries = async (): Promise<Series> => readSeries((await request<unknown>('GET', '/gateway/series')).body);

const adminPath = (key: string): string => `/gateway/admin/config/${key.split('/').map(encodeURIComponent).join('/')}`;
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** Reads a config key's current value; `undefined` when the key has never been written (defaults apply). */
export async function readConfig(key: string, token: string): Promise<Json | undefined> {
  try {
    const { body } = await request<unknown>('GET', adminPath(key), { headers: bearer(token) });
    return (isObj(body) && 'value' in body ? body.value : body) as Json;
  } catch (error: unknown) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** Writes a config key; answers the registry's modIndex of the write (its version), when the gateway says it. */
export async function writeConfig(key: string, value: Json, token: string): Promise<{ modIndex?: number }> {
  const { body } = await request<unknown>('PUT', adminPath(key), { body: { value }, headers: bearer(token) });
  return { modIndex: isObj(body) ? num(body.modIndex) : undefined };
}

/** The operator's demo reset: stock and balances back to their start, orders kept; 409 while sagas are in flight. */
export async function resetDemoData(token: string): Promise<string[]> {
  const { body } = await request<unknown>('POST', '/gateway/admin/demo/reset', { headers: bearer(token), timeoutMs: 35_000 });
  const steps = isObj(body) && Array.isArray(body.steps) ? body.steps : [];
  return steps.map((s: unknown) => (isObj(s) ? `${String(s.service)}: ${String(s.done)}` : String(s)));
}
