import type { IncomingMessage, ServerResponse } from 'node:http';
import { DRAIN_BODY_BYTES, drainRequestThen } from '@shop/common';
import { ClientSideError } from './upstream-failure';

/** The contract's bound on request bodies. */
export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * Every request body is read whole before anything goes upstream (see readRequestBody); all of them together
 * may hold at most this much of the gateway's memory (64 bodies of the largest size).
 */
export const BODY_BUFFER_BYTES = 64 * 1024 * 1024;

/** Bytes of memory shared by requests; what one takes, it gives back when it ends. */
export class ByteBudget {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}

export interface BodyReadOptions {
  /** The body's Content-Length, or -1 for a chunked body (read and counted chunk by chunk). */
  declaredBytes: number;
  /** Refused with 413 beyond this. */
  limit: number;
  /** Shared by every request body in memory; refused with 503 (retry shortly) when spent. */
  budget: ByteBudget;
  /** The whole body must arrive within this long, else 408 and the connection is closed. */
  timeoutMs: number;
}

/**
 * Reads a request body whole before anything goes upstream, so that the upstream gets the request at once
 * (the breaker times the upstream, never the client's upload; a stalled client is answered 408 and is not the
 * upstream's failure), a body over the limit is refused with nothing forwarded, and a retry can send it again.
 * Its bytes come from `budget` and are given back when the exchange ends (`res` closes). When the body is
 * refused over a size, the rest is read and dropped (see `discardRest`) so that the client, still sending,
 * reads the answer; when the client is too slow, the connection is closed after the answer.
 */
export function readRequestBody(req: IncomingMessage, res: ServerResponse, opts: BodyReadOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { budget, limit } = opts;
    const chunks: Buffer[] = [];
    let received = 0;
    // A declared length is taken whole up front: a client cannot hold memory it has not been granted.
    let taken = opts.declaredBytes >= 0 ? opts.declaredBytes : 0;
    let handedBack = false;
    const giveBack = () => {
      if (handedBack) return;
      handedBack = true;
      budget.give(taken);
    };
    const stop = () => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const refuse = (error: ClientSideError, discard: boolean) => {
      stop();
      giveBack();
      // The answer waits for the rest of the body: see discardRest.
      if (discard) discardRest(req, opts.timeoutMs, () => reject(error));
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) return refuse(new ClientSideError(`body over ${limit} bytes`, 413, 'payload_too_large'), true);
      if (opts.declaredBytes < 0) {
        if (!budget.tryTake(chunk.length)) return refuse(overloaded(), true);
        taken += chunk.length;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      stop();
      if (res.closed) giveBack();
      else res.once('close', giveBack);
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received));
    };
    const onError = () => refuse(clientGone(), false);
    const onAborted = () => refuse(clientGone(), false);
    const timer = setTimeout(
      () => refuse(new ClientSideError(`request body not received within ${opts.timeoutMs} ms`, 408, 'request_timeout', { closeConnection: true }), false),
      opts.timeoutMs,
    );

    if (opts.declaredBytes >= 0 && !budget.tryTake(opts.declaredBytes)) {
      taken = 0;
      return refuse(overloaded(), true);
    }
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
    req.once('aborted', onAborted);
  });
}

const overloaded = () => new ClientSideError('too many request bodies in memory; retry shortly', 503, 'overloaded');
const clientGone = () => new ClientSideError('client went away', 499, 'bad_request');

/** A refused body is read and dropped up to this much more; beyond it the connection is cut. */
export const DISCARD_BODY_BYTES = DRAIN_BODY_BYTES;

/** Reads and drops the rest of a refused body, then answers (see drainRequestThen: why not answer first). */
export function discardRest(req: IncomingMessage, timeoutMs: number, then: () => void): void {
  drainRequestThen(req, then, timeoutMs);
}
