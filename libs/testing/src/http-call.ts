export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** The body as JSON; its text when it is not JSON; undefined when empty. Arbitrary JSON that tests take apart
   *  with expect(): typing every shape would add nothing. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface HttpCallOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON; a string is sent as it is (malformed input). */
  body?: unknown;
  timeoutMs?: number;
}

/** One HTTP request from a test, its answer read whole. */
export async function httpCall(url: string, options: HttpCallOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
  return readAnswer(res);
}

/** An answer read whole: its body parsed as JSON when it is JSON. */
export async function readAnswer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON (a proxy's error page): kept as text
  }
  return { status: res.status, headers: res.headers, body };
}
