import type { ArgumentsHost } from '@nestjs/common';
import { ErrorShapeFilter } from '@shop/common';

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/**
 * The HTTP answer every app gives to `exception` (status, headers, body), as ErrorShapeFilter renders it, without
 * starting a server: a stand-in for Fastify's reply records what the filter sends.
 */
export function errorAnswerOf(exception: unknown): ErrorAnswer {
  const sent: ErrorAnswer = { status: 0, headers: {}, body: undefined };
  const reply = {
    header: (name: string, value: string) => ((sent.headers[name] = value), reply),
    status: (status: number) => ((sent.status = status), reply),
    type: () => reply,
    send: (body: unknown) => ((sent.body = body), reply),
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new ErrorShapeFilter().catch(exception, host);
  return sent;
}
