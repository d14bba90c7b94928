import { readBoundedText } from '@shop/common';
import { request } from 'undici';

/** One registry node's answer to GET /v1/cluster. */
export interface ClusterNodeView {
  url: string;
  ok: boolean;
  status?: number;
  body?: unknown;
  error?: string;
}

/** A node's /v1/cluster answer is a few hundred bytes; anything near this bound is not a registry. */
const MAX_CLUSTER_ANSWER_BYTES = 64 * 1024;

/**
 * Every registry node's own view (role, term, leader), asked of each node directly with a timeout, not through
 * the client's failover: the console shows the nodes side by side, a node that does not answer included.
 */
export function askEveryNode(urls: readonly string[], token: string, timeoutMs: number): Promise<ClusterNodeView[]> {
  return Promise.all(
    urls.map(async (url): Promise<ClusterNodeView> => {
      try {
        const res = await request(new URL('/v1/cluster', url), {
          headers: { authorization: `Bearer ${token}` },
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await readBoundedText(res.body, MAX_CLUSTER_ANSWER_BYTES, `${url}/v1/cluster`);
        return { url, ok: res.statusCode === 200, status: res.statusCode, body: parseJson(text) };
      } catch (error) {
        return { url, ok: false, error: (error as Error).message };
      }
    }),
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 1000);
  }
}
