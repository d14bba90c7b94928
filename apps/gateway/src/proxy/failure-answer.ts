import type { ErrorAnswerOptions, GatewayErrorCode } from './gateway-errors';
import { ClientSideError, TIMEOUT_ERRORS } from './upstream-failure';

export interface FailureAnswer {
  status: number;
  code: GatewayErrorCode;
  message: string;
  options?: ErrorAnswerOptions;
}

const RETRY_SHORTLY: ErrorAnswerOptions = { headers: ['retry-after', '1'] };

/**
 * The client's answer to a request that failed before its response started: the client's own fault as the
 * status it earned, no instance 503, an upstream too slow 504, any other upstream failure 502.
 */
export function answerForFailure(error: unknown, service: string): FailureAnswer {
  const e = error as Error & { code?: string };
  if (e instanceof ClientSideError) {
    // A body refused part-way is being discarded (`discardRest`): the connection stays usable, unless the
    // client stalled, whose rest will not come.
    return {
      status: e.status,
      code: e.code,
      message: e.message,
      options: { closeConnection: e.closeConnection, headers: e.code === 'overloaded' ? RETRY_SHORTLY.headers : undefined },
    };
  }
  if (e.code === 'NO_INSTANCE') return { status: 503, code: 'no_instance', message: e.message, options: RETRY_SHORTLY };
  if (e.code !== undefined && TIMEOUT_ERRORS.has(e.code)) {
    return { status: 504, code: 'gateway_timeout', message: `${service} did not answer in time (${e.code})` };
  }
  return { status: 502, code: 'bad_gateway', message: `${service} failed: ${e.code ?? e.message}` };
}
