import { request } from './http';

/**
 * The gateway's operations endpoints (`/gateway/*`), read into the small shapes the console draws. The readers
 * accept a few spellings of each field, so the console keeps working while the gateway's answers evolve; what
 * they cannot read is shown as missing, never guessed.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (...vs: unknown[]): number | undefined => vs.find((v): v is number => typeof v === 'number' && Number.isFinite(v));
const str = (...vs: unknown[]): string | undefined => vs.find((v): v is string => typeof v === 'string');

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
  return entries(list, 'id').map((n) => {
    const info = isObj(n.cluster) ? n.cluster : isObj(n.status) ? n.status : n;
    const error = str(n.error, isObj(n.error) ? n.error.message : undefined);
    return {
      id: str(info.id, n.id, n.nodeId) ?? '?',
      url: str(n.url, n.address),
      role: (str(info.role, info.state) ?? (error ? 'unreachable' : 'unknown')).toLowerCase().replace(/^state/, ''),
      term: num(info.term),
      commitIndex: num(info.commitIndex),
      appliedIndex: num(info.appliedIndex, info.lastApplied),
      leader: str(info.leader, info.leaderId),
      error,
    };
  });
}

export interface ServiceInstances {
  service: string;
  instances: { id: string; address?: string; port?: number; healthy?: boolean }[];
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
  details: Record<string, number | string>;
}

export interface RatePolicy {
  name: string;
  algorithm?: string;
  admitted?: number;
  rejected?: number;
  /** The policy's settings (limit, window, capacity, rate...) as sent, for display. */
  settings: Record<string, number | string | boolean>;
}

export interface Route {
  prefix: string;
  service: string;
  policy?: string;
}

export interface GatewayStatus {
  services: ServiceInstances[];
  breakers: Breaker[];
  policies: RatePolicy[];
  routes: Route[];
}

function primitives(o: Obj, skip: readonly string[]): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k)) continue;
    if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = v;
    else if (isObj(v)) for (const [k2, v2] of Object.entries(primitives(v, skip))) out[`${k}.${k2}`] = v2;
  }
  return out;
}

export function readStatus(body: unknown): GatewayStatus {
  const root = isObj(body) ? body : {};
  const services = entries(root.instances ?? root.services, 'service').map((s) => {
    const list = Array.isArray(s.instances) ? s.instances : Array.isArray(s.value) ? s.value : [];
    return {
      service: str(s.service, s.name) ?? '?',
      instances: list.filter(isObj).map((i) => ({
        id: str(i.id, i.instanceId) ?? `${str(i.address) ?? '?'}:${num(i.port) ?? '?'}`,
        address: str(i.address, i.host),
        port: num(i.port),
        healthy: typeof i.healthy === 'boolean' ? i.healthy : undefined,
      })),
    };
  });
  const breakers = entries(root.breakers, 'name').map((b) => ({
    name: str(b.name, b.upstream, b.service) ?? '?',
    state: normalizeBreakerState(b.state ?? b.value),
    details: primitives(b, ['name', 'upstream', 'state', 'value']) as Record<string, number | string>,
  }));
  const policies = entries(root.rateLimits ?? root.policies ?? root.rateLimit, 'name').map((p) => {
    const stats = isObj(p.stats) ? p.stats : isObj(p.counts) ? p.counts : p;
    return {
      name: str(p.name, p.policy, p.id) ?? '?',
      algorithm: str(p.algorithm, isObj(p.config) ? p.config.algorithm : undefined),
      admitted: num(stats.admitted, stats.allowed, stats.accepted),
      rejected: num(stats.rejected, stats.denied, stats.limited),
      settings: primitives(isObj(p.config) ? p.config : p, ['name', 'policy', 'id', 'algorithm', 'admitted', 'rejected', 'allowed', 'denied', 'accepted', 'limited', 'stats', 'counts']),
    };
  });
  const routes = entries(root.routes, 'prefix').map((r) => ({
    prefix: str(r.prefix, r.path, r.pathPrefix) ?? '?',
    service: str(r.service, r.upstream, r.target) ?? '?',
    policy: str(r.policy, r.rateLimit, r.rateLimitPolicy),
  }));
  return { services, breakers, policies, routes };
}

export interface OutboxBacklog {
  service: string;
  pending?: number;
  parked?: number;
  oldestAgeMs?: number;
  error?: string;
}

export function readOutbox(body: unknown): OutboxBacklog[] {
  const list = isObj(body) && (body.services !== undefined || body.outbox !== undefined) ? (body.services ?? body.outbox) : body;
  return entries(list, 'service').map((s) => ({
    service: str(s.service, s.name) ?? '?',
    pending: num(s.pending, s.backlog, s.unpublished, s.value),
    parked: num(s.parked, s.deadLetter, s.dead, s.failed),
    oldestAgeMs: num(s.oldestAgeMs, s.oldestPendingAgeMs, s.lagMs),
    error: str(s.error, isObj(s.error) ? s.error.message : undefined),
  }));
}

export interface SagaEvent {
  type: string;
  at?: string;
  source?: string;
  id?: string;
  detail?: string;
}

export function readSaga(body: unknown): { status?: string; events: SagaEvent[] } {
  const root = isObj(body) ? body : {};
  const list = Array.isArray(body) ? body : (root.events ?? root.timeline ?? []);
  const order = isObj(root.order) ? root.order : undefined;
  const events = entries(list, 'type').map((e) => {
    const payload = isObj(e.payload) ? e.payload : undefined;
    const reason = str(payload?.reason, e.reason);
    return {
      type: str(e.type, e.eventType, e.status) ?? '?',
      at: str(e.occurredAt, e.at, e.createdAt, e.time),
      source: str(e.service, e.source, e.topic),
      id: str(e.id, e.eventId),
      detail: reason,
    };
  });
  events.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  return { status: str(root.status, order?.status), events };
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

export const fetchCluster = async (): Promise<ClusterNode[]> => readCluster((await request<unknown>('GET', '/gateway/cluster')).body);
export const fetchStatus = async (): Promise<GatewayStatus> => readStatus((await request<unknown>('GET', '/gateway/status')).body);
export const fetchOutbox = async (): Promise<OutboxBacklog[]> => readOutbox((await request<unknown>('GET', '/gateway/outbox')).body);
export const fetchSaga = async (orderId: string): Promise<ReturnType<typeof readSaga>> =>
  readSaga((await request<unknown>('GET', `/gateway/sagas/${encodeURIComponent(orderId)}`)).body);
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

export async function writeConfig(key: string, value: Json, token: string): Promise<unknown> {
  return (await request<unknown>('PUT', adminPath(key), { body: { value }, headers: bearer(token) })).body;
}
