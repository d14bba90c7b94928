import { encodeFrame, FrameReader, FrameTooLargeError } from './stream-frame';

const stream = { from: 'a', to: 'b', lane: 'messages' as const };

function frame(seq: number, bodyBytes: number): Buffer {
  return encodeFrame({ epoch: 'e1', seq, timestamp: 1_700_000_000_000 + seq }, 'ab'.repeat(32), Buffer.alloc(bodyBytes, seq));
}

describe('FrameReader', () => {
  it('cuts the same frames out of a stream wherever the chunks end', () => {
    const frames = [frame(1, 0), frame(2, 1), frame(3, 300), frame(4, 5)];
    const bytes = Buffer.concat(frames);
    for (let cut = 1; cut <= bytes.length; cut += 7) {
      const reader = new FrameReader(stream, 1024);
      const seen = [];
      for (let at = 0; at < bytes.length; at += cut) seen.push(...reader.push(bytes.subarray(at, at + cut)));
      expect(seen.map((f) => [f.auth.seq, f.auth.timestamp, f.auth.epoch, f.batch.length, f.batch[0]])).toEqual([
        [1, 1_700_000_000_001, 'e1', 0, undefined],
        [2, 1_700_000_000_002, 'e1', 1, 2],
        [3, 1_700_000_000_003, 'e1', 300, 3],
        [4, 1_700_000_000_004, 'e1', 5, 4],
      ]);
      expect(seen.every((f) => f.auth.from === 'a' && f.auth.to === 'b' && f.auth.signature === 'ab'.repeat(32))).toBe(true);
    }
  });

  it('refuses a frame over the limit from its length field, before buffering it', () => {
    const reader = new FrameReader(stream, 100);
    expect(() => reader.push(frame(1, 200).subarray(0, 4))).toThrow(FrameTooLargeError);
  });

  it('refuses a frame whose header is cut short', () => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(4, 0);
    expect(() => new FrameReader(stream, 100).push(bad)).toThrow('need');
  });
});
