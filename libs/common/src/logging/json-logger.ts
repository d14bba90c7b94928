import { LoggerService, LogLevel } from '@nestjs/common';
import { currentRequestId } from './request-context';

const LEVEL_RANK: Record<LogLevel, number> = { verbose: 0, debug: 1, log: 2, warn: 3, error: 4, fatal: 5 };
const LEVEL_NAME: Record<LogLevel, string> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};

export interface LogSink {
  write(line: string): void;
}

/**
 * One JSON object per line: time, level, app, context, message, requestId (from the current request or
 * event), and any structured fields. Nest's own logs go through it too (passed to NestFactory).
 */
export class JsonLogger implements LoggerService {
  private static app = 'app';
  private static minRank = LEVEL_RANK.log;
  private static sink: LogSink = process.stdout;

  static configure(opts: { app?: string; level?: LogLevel; sink?: LogSink }): void {
    if (opts.app) JsonLogger.app = opts.app;
    if (opts.level) JsonLogger.minRank = LEVEL_RANK[opts.level];
    if (opts.sink) JsonLogger.sink = opts.sink;
  }

  constructor(private readonly context?: string) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }

  /** Structured event: `logger.event('warn', 'breaker opened', { upstream: 'payment' })`. */
  event(level: LogLevel, message: string, fields: Record<string, unknown>): void {
    this.write(level, message, [fields]);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (LEVEL_RANK[level] < JsonLogger.minRank) return;
    // Nest passes the context as the last string argument; errors pass a stack before it.
    const args = [...rest];
    let context = this.context;
    if (typeof args[args.length - 1] === 'string' && (args.length > 1 || level !== 'error' || this.context === undefined)) {
      context = args.pop() as string;
    }
    const record: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: LEVEL_NAME[level],
      app: JsonLogger.app,
    };
    if (context) record.context = context;
    const requestId = currentRequestId();
    if (requestId) record.requestId = requestId;
    if (message instanceof Error) {
      record.msg = message.message;
      record.stack = message.stack;
    } else {
      record.msg = typeof message === 'string' ? message : safeJson(message);
    }
    for (const arg of args) {
      if (arg instanceof Error) record.err = { message: arg.message, stack: arg.stack };
      else if (typeof arg === 'string') record.stack = arg;
      else if (arg && typeof arg === 'object') Object.assign(record, arg);
    }
    JsonLogger.sink.write(`${safeJson(record)}\n`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function createLogger(context: string): JsonLogger {
  return new JsonLogger(context);
}
