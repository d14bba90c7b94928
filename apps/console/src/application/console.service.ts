import type { Principal } from '@shop/auth';
import { readBoundedText } from '@shop/common';
import type { ServiceInstance } from '@shop/registry-client';
import { request } from 'undici';
import type { Instances, ProofFor } from './service-calls';

/** The services that keep an outbox and an event log (the order saga's participants). */
export const SAGA_SERVICES = ['order', 'inventory', 'payment'] as const;
const TIMEOUT_MS = 2000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface ServiceAnswer {
  service: string;
  instance: string | null;
  ok: boolean;
  status?: number;
  body?: unknown;
  error?: string;
}

export interface TimelineEvent {
  service: string;
  occurredAt: string;
  [field: string]: unknown;
}

/**
 * What the browser console reads, gathered from the services (one instance each, chosen from the registry
 * client's cache) with a timeout per call; a service that does not answer is reported, not fatal.
 */
export class ConsoleService {
  constructor(
    private readonly instances: Instances,
    private readonly proofFor: ProofFor,
  ) {}

  /** Whether the order service shows this order to `caller` (it answers 404 for another customer's). */
  async ownsOrder(orderId: string, caller: Principal): Promise<boolean> {
    if (!/^[0-9a-f-]{36}$/.test(orderId)) return false;
    const answer = await this.ask('order', `/orders/${orderId}`, caller);
    return answer.status === 200;
  }

  outbox(): Promise<ServiceAnswer[]> {
    return Promise.all(SAGA_SERVICES.map((s) => this.ask(s, '/outbox/stats')));
  }

  /** Every service's events of one order, merged into one timeline (by occurredAt, then service). */
  async saga(orderId: string): Promise<{ orderId: string; events: TimelineEvent[]; sources: Omit<ServiceAnswer, 'body'>[] }> {
    const answers = await Promise.all(SAGA_SERVICES.map((s) => this.ask(s, `/events?aggregateId=${encodeURIComponent(orderId)}`)));
    const events: TimelineEvent[] = [];
    for (const a of answers) {
      const list = Array.isArray(a.body) ? a.body : Array.isArray((a.body as { events?: unknown })?.events) ? (a.body as { events: unknown[] }).events : [];
      for (const e of list) {
        if (typeof e === 'object' && e !== null) events.push({ ...(e as Record<string, unknown>), service: a.service, occurredAt: String((e as { occurredAt?: unknown }).occurredAt ?? '') });
      }
    }
    events.sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : x.occurredAt > y.occurredAt ? 1 : x.service.localeCompare(y.service)));
    return { orderId, events, sources: answers.map(({ body: _body, ...rest }) => rest) };
  }

  private async ask(service: string, path: string, caller?: Principal): Promise<ServiceAnswer> {
    const instance: ServiceInstance | undefined = this.instances.instances(service)[0];
    if (!instance) return { service, instance: null, ok: false, error: 'no live instance' };
    try {
      const res = await request(`http://${instance.address}:${instance.port}${path}`, {
        headers: { authorization: `Bearer ${await this.proofFor(service, caller)}` },
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      const text = await readBoundedText(res.body, MAX_BODY_BYTES);
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: shown as text.
      }
      return { service, instance: instance.id, ok: res.statusCode === 200, status: res.statusCode, body };
    } catch (error) {
      return { service, instance: instance.id, ok: false, error: (error as Error).message };
    }
  }
}
