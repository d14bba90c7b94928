/**
 * The small HTTP client of the contract tests: one request, its status, headers and parsed JSON body, with a
 * timeout, and the check of the contract's error shape `{"error":{"code","message"}}`.
 */
export interface ContractAnswer {
  status: number;
  headers: Headers;
  // Arbitrary JSON that the tests take apart with expect(); typing every shape would add nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

export interface ContractRequest {
  body?: unknown;
  /** Sent as it is, as application/json (for malformed or oversized bodies). */
  raw?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export async function ask(method: string, url: string, request: ContractRequest = {}): Promise<ContractAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (request.raw !== undefined) body = request.raw;
  else if (request.body !== undefined) body = JSON.stringify(request.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(request.timeoutMs ?? 15_000) });
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** The contract's error shape, for expect(): `{ error: { code, message } }` with strings. */
export const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
