export interface ServiceInstance {
  readonly id: string;
  readonly address: string;
  readonly port: number;
  readonly meta: Readonly<Record<string, string>>;
}

/**
 * Checks a `GET /v1/services/<service>` answer. Returns null when it is not a list of instances (a proxy's
 * error page, a newer server): the cache then keeps its last good list rather than emptying itself.
 */
export function parseInstances(body: unknown): ServiceInstance[] | null {
  if (!Array.isArray(body)) return null;
  const out: ServiceInstance[] = [];
  for (const item of body as unknown[]) {
    if (typeof item !== 'object' || item === null) return null;
    const { id, address, port, meta } = item as Record<string, unknown>;
    if (typeof id !== 'string' || typeof address !== 'string' || !Number.isInteger(port)) return null;
    const cleanMeta: Record<string, string> = {};
    if (meta && typeof meta === 'object') for (const [k, v] of Object.entries(meta)) if (typeof v === 'string') cleanMeta[k] = v;
    out.push(Object.freeze({ id, address, port: port as number, meta: Object.freeze(cleanMeta) }));
  }
  return out;
}

/** Whether two lists name the same instances with the same addresses and metadata (order-insensitive). */
export function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  if (a.length !== b.length) return false;
  const key = (i: ServiceInstance) => JSON.stringify([i.id, i.address, i.port, Object.entries(i.meta).sort()]);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, n) => k === right[n]);
}
