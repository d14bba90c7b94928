import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** Header that carries one request's id through the gateway, every HTTP hop and every Kafka event. */
export const REQUEST_ID_HEADER = 'x-request-id';

interface RequestContext {
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** The request id of the work in progress, or undefined outside any request or event. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** Runs `fn` with `requestId` as the current request id (HTTP requests, Kafka events, background jobs). */
export function withRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps an incoming id when it is sane (bounded, printable), otherwise makes a new one. */
export function acceptOrCreateRequestId(incoming: unknown): string {
  return typeof incoming === 'string' && VALID_ID.test(incoming) ? incoming : randomUUID();
}
