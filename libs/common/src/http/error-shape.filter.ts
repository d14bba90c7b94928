import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApplicationError } from '../errors/application-error';
import { createLogger } from '../logging/json-logger';
import { ApiError, codeForStatus, errorBody } from './api-error';
import { isDependencyUnavailable } from './dependency-unavailable';
import { httpAnswerOf } from './error-status.table';

/**
 * Every error leaves every app in one shape: `{"error":{"code","message"}}`, with the right status. The
 * application's and domain's errors get theirs from the one table (error-status.table.ts); the HTTP edge's own
 * (ApiError, Nest's and Fastify's) carry it.
 */
@Catch()
export class ErrorShapeFilter implements ExceptionFilter {
  private readonly logger = createLogger('ErrorShapeFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, code, message, headers } = this.describe(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception : String(exception));
    for (const [name, value] of Object.entries(headers)) reply.header(name, value);
    reply.status(status).type('application/json').send(errorBody(code, message));
  }

  private describe(exception: unknown): { status: number; code: string; message: string; headers: Record<string, string> } {
    const answer = exception instanceof ApplicationError ? httpAnswerOf(exception) : undefined;
    if (answer) return answer;
    if (exception instanceof ApiError) {
      return { status: exception.status, code: exception.code, message: exception.message, headers: { ...exception.headers } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const detail = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : response;
      const message = Array.isArray(detail) ? detail.join('; ') : typeof detail === 'string' ? detail : exception.message;
      return { status, code: codeForStatus(status), message, headers: {} };
    }
    // Fastify's own errors (body too large, malformed JSON, bad content type) carry a statusCode.
    const fastifyError = exception as { statusCode?: unknown; message?: unknown; code?: unknown };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      const status = fastifyError.statusCode;
      return { status, code: codeForStatus(status), message: String(fastifyError.message ?? 'bad request'), headers: {} };
    }
    // The service's own database (or another dependency) is out of reach: say so, and when to try again.
    if (isDependencyUnavailable(exception)) {
      return { status: HttpStatus.SERVICE_UNAVAILABLE, code: 'dependency_unavailable', message: 'a dependency of this service is unavailable; retry', headers: { 'Retry-After': '1' } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, code: 'internal', message: 'internal error', headers: {} };
  }
}
