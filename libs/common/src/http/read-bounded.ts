/** An answer bigger than the caller agreed to read. */
export class ResponseTooLargeError extends Error {
  constructor(what: string, maxBytes: number) {
    super(`${what} is over ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/**
 * Reads a response body as UTF-8 text, up to `maxBytes`: every body this project reads from the network has a
 * bound, so a broken or hostile peer cannot make a process buffer without limit. Past the bound the stream is
 * destroyed (its connection is not reused) and ResponseTooLargeError is thrown.
 */
export async function readBoundedText(
  body: AsyncIterable<Uint8Array> & { destroy?(error?: Error): unknown },
  maxBytes: number,
  what = 'the answer',
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) {
      const error = new ResponseTooLargeError(what, maxBytes);
      body.destroy?.(error);
      throw error;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
