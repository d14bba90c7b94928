import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { UpstreamCall } from '../breakers/upstream-breakers';
import type { Balancer } from '../routing/balancer';
import type { Route } from '@shop/contracts';
import type { UpstreamInstance, Upstreams } from '../routing/upstreams';
import { answerForFailure } from './failure-answer';
import type { ErrorAnswerOptions, GatewayErrorCode } from './gateway-errors';
import { ByteBudget, MAX_BODY_BYTES, readRequestBody } from './request-body';
import type { RequestHead } from './request-head';
import {
  ClientSideError,
  CONNECT_ERRORS,
  DependencyUnavailableAnswer,
  isGatewayFailure,
  judgeAnswer,
  RESET_ERRORS,
  UpstreamStatusError,
} from './upstream-failure';

const RESPONSE_DROP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authenticate',
  'x-request-id', 'date',
]);

/** What an exchange needs from the proxy that runs it: the instances, the body memory, and the way to refuse. */
export interface ExchangeHost {
  readonly upstreams: Pick<Upstreams, 'of' | 'recordAnswer' | 'recordGatewayFailure'>;
  /** Memory for request bodies, shared by all exchanges. */
  readonly bodies: ByteBudget;
  /** A request body must arrive whole within this long (408 otherwise). */
  readonly bodyTimeoutMs: number;
  refuse(res: ServerResponse, status: number, code: GatewayErrorCode, message: string, requestId: string, options?: ErrorAnswerOptions): void;
}

/**
 * One request through the proxy: it is also undici's dispatch handler (the raw callbacks, so response
 * chunks go straight from the upstream socket to the client socket with backpressure, no stream objects).
 */
export class ProxyExchange implements Dispatcher.DispatchHandler, UpstreamCall {
  /** RateLimit-* headers to add to the upstream's answer. */
  extraHeaders: string[] | undefined;
  private body: Buffer | null = null;
  private target: UpstreamInstance | undefined;
  private attempts = 0;
  private inFlight = false;
  private abortUpstream: ((reason: Error) => void) | undefined;
  private resumeUpstream: (() => void) | undefined;
  private settle: ((error?: Error) => void) | undefined;
  /** The client has its answer (or is gone): nothing more may be written, nothing more sent upstream. */
  finished = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly route: Route,
    private readonly head: RequestHead,
    private readonly balancer: Balancer<UpstreamInstance>,
    private readonly host: ExchangeHost,
    /** The path the upstream sees: /api stripped. */
    private readonly upstreamPath: string,
  ) {}

  /** The body, read whole before the breaker's call starts (see readRequestBody). */
  async prepareBody(): Promise<void> {
    const { chunked, declaredBodyBytes } = this.head;
    if (!chunked && declaredBodyBytes <= 0) return;
    this.body = await readRequestBody(this.req, this.res, {
      declaredBytes: chunked ? -1 : declaredBodyBytes,
      limit: MAX_BODY_BYTES,
      budget: this.host.bodies,
      timeoutMs: this.host.bodyTimeoutMs,
    });
  }

  /** The breaker's action: resolves at the response headers, rejects on a 5xx, a failure or a timeout. */
  start(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = (error) => {
        this.settle = undefined;
        if (error) reject(error);
        else resolve();
      };
      if (this.finished) this.settle(new ClientSideError('client went away', 499, 'bad_request'));
      else this.dispatch(undefined);
    });
  }

  private dispatch(exclude: UpstreamInstance | undefined): void {
    const target = this.balancer.pick(this.host.upstreams.of(this.route.service), exclude);
    if (target === undefined) {
      this.settle?.(Object.assign(new Error(`no live instance of ${this.route.service}`), { code: 'NO_INSTANCE' }));
      return;
    }
    this.target = target;
    this.inFlight = true;
    target.outstanding++;
    target.sent++;
    const t = this.route.timeouts;
    target.pool.dispatch(
      {
        path: this.upstreamPath,
        method: this.req.method as Dispatcher.HttpMethod,
        headers: this.head.forwardHeaders,
        // undici streams async iterables too; its types list only Readable.
        body: this.body as Dispatcher.DispatchOptions['body'],
        headersTimeout: t.headersMs,
        bodyTimeout: t.bodyMs,
      },
      this,
    );
  }

  // ---- undici's dispatch handler ----

  onConnect(abort: (reason?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.finished) abort(new ClientSideError('request already answered', 499, 'bad_request'));
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.finished) {
      // Answered already (timeout, client gone): stop the upstream rather than leave it paused.
      this.abortUpstream?.(new ClientSideError('request already answered', 499, 'bad_request'));
      return false;
    }
    // 1xx (e.g. 103 Early Hints): informational, the final answer follows. (100 cannot come: Expect is dropped.)
    if (statusCode < 200) return true;
    this.resumeUpstream = resume;
    const out: string[] = [];
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1');
      if (RESPONSE_DROP.has(name.toLowerCase())) continue;
      out.push(name, rawHeaders[i + 1]!.toString('latin1'));
    }
    out.push('x-request-id', this.requestId);
    if (this.extraHeaders !== undefined) out.push(...this.extraHeaders);
    try {
      this.res.writeHead(statusCode, out);
    } catch (error) {
      this.abortUpstream?.(error as Error);
      return false;
    }
    this.host.upstreams.recordAnswer(this.target!);
    this.settle?.(statusCode >= 500 ? this.judge(statusCode, out) : undefined);
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.finished) return false;
    const ok = this.res.write(chunk);
    // Paused until the client drains; if it leaves instead, onClientClose aborts the upstream request.
    if (!ok) this.res.once('drain', this.resumeUpstream!);
    return ok;
  }

  onComplete(): void {
    this.release();
    this.res.end();
  }

  onError(error: Error): void {
    this.release(error);
    if (this.finished) return;
    if (!this.res.headersSent) {
      if (this.mayRetry(error)) {
        this.attempts++;
        this.dispatch(this.target);
        return;
      }
      if (this.settle) this.settle(error);
      else this.fail(error);
      return;
    }
    // The response had started: all we can do is cut it, so the client sees it incomplete.
    this.finished = true;
    this.res.destroy(error);
  }

  // ---- outcomes ----

  /** Answers the client for a failure the response had not started for. */
  fail(error: unknown): void {
    if (this.finished) return;
    if (this.inFlight) this.abortUpstream?.(error as Error);
    this.finished = true;
    const answer = answerForFailure(error, this.route.service);
    this.host.refuse(this.res, answer.status, answer.code, answer.message, this.requestId, answer.options);
  }

  /**
   * One retry on another instance: for any method when no connection was made (nothing was sent, so the
   * upstream cannot have acted on it), for an idempotent one when the connection broke before an answer.
   */
  private mayRetry(error: Error): boolean {
    if (this.attempts > 0) return false;
    const code = (error as { code?: string }).code;
    if (code === undefined) return false;
    return CONNECT_ERRORS.has(code) || (this.head.idempotent && RESET_ERRORS.has(code));
  }

  /** A 5xx's meaning for the breaker: a failure, a deliberate 503 + Retry-After passed through, or neither. */
  private judge(statusCode: number, headers: readonly string[]): Error | undefined {
    let retryAfter = false;
    for (let i = 0; i < headers.length; i += 2) {
      if (headers[i]!.length === 11 && headers[i]!.toLowerCase() === 'retry-after') retryAfter = true;
    }
    const meaning = judgeAnswer(statusCode, retryAfter);
    if (meaning === 'success') return undefined;
    return meaning === 'dependency-unavailable' ? new DependencyUnavailableAnswer() : new UpstreamStatusError(statusCode);
  }

  private release(error?: Error): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    this.target!.outstanding--;
    if (error === undefined || error instanceof ClientSideError) return;
    this.target!.failures++;
    if (isGatewayFailure(error)) this.host.upstreams.recordGatewayFailure(this.route.service, this.target!);
  }

  readonly onClientClose = (): void => {
    if (this.res.writableFinished || this.finished) return;
    this.finished = true;
    const gone = new ClientSideError('client went away', 499, 'bad_request');
    if (this.inFlight) this.abortUpstream?.(gone);
    this.settle?.(gone);
  };
}
