/** Compatible with `JsonLogger` of @shop/common. */
export interface RaftLogger {
  event(level: 'debug' | 'log' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void;
}
