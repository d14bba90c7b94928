import { Readable } from 'node:stream';
import { readBoundedText, ResponseTooLargeError } from './read-bounded';

describe('readBoundedText', () => {
  it('reads a body within the bound, across chunks and multi-byte characters', async () => {
    const euro = Buffer.from('€');
    const body = Readable.from([Buffer.from('price: 5'), euro.subarray(0, 1), euro.subarray(1)]);
    await expect(readBoundedText(body, 100)).resolves.toBe('price: 5€');
  });

  it('stops at the bound, destroys the stream and names what was too large', async () => {
    const body = Readable.from([Buffer.alloc(600), Buffer.alloc(600), Buffer.alloc(600)]);
    await expect(readBoundedText(body, 1000, "inventory's answer")).rejects.toThrow(new ResponseTooLargeError("inventory's answer", 1000));
    expect(body.destroyed).toBe(true);
  });
});
