import type { IncomingMessage } from 'node:http';

/** A refused request's body is read and dropped up to this much before the answer; beyond it the connection is cut. */
export const DRAIN_BODY_BYTES = 8 * 1024 * 1024;
/** ...and for at most this long. */
export const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Reads and drops what is left of a request's body, then calls `then` (which answers). Answering while the client
 * still sends lets Node close the connection (the client asked for it, or HTTP/1.0, or an error closes it): the
 * kernel then resets it, and the client can lose the answer before reading it (Node has no lingering close, as
 * nginx does). Past `maxBytes` the connection is cut instead; when the rest does not come within `timeoutMs`, the
 * answer goes out anyway.
 */
export function drainRequestThen(req: IncomingMessage, then: () => void, timeoutMs = DRAIN_TIMEOUT_MS, maxBytes = DRAIN_BODY_BYTES): void {
  if (req.complete || req.readableEnded || req.destroyed) return then();
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    req.destroy();
  };
  // The rest never came (a declared length the client does not send): answer anyway, once.
  const timer = setTimeout(() => {
    req.removeAllListeners('end');
    then();
  }, timeoutMs);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) cut();
  });
  req.once('end', () => {
    clearTimeout(timer);
    then();
  });
  req.resume();
}
