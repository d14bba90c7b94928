/**
 * The link from a saga's timeline to its trace: the services' outbox rows carry the trace id of the work that
 * wrote them (one order, one trace), and JAEGER_URL says where the trace viewer is. No viewer configured, or no
 * row traced (tracing off, not sampled): no link.
 */
export function traceLinkOf(events: readonly Record<string, unknown>[], jaegerUrl: string | undefined): { traceId: string | null; traceUrl: string | null } {
  const traced = events.find((e) => typeof e.traceId === 'string' && /^[0-9a-f]{32}$/.test(e.traceId));
  const traceId = traced ? (traced.traceId as string) : null;
  return { traceId, traceUrl: traceId !== null && jaegerUrl ? `${jaegerUrl.replace(/\/+$/, '')}/trace/${traceId}` : null };
}
