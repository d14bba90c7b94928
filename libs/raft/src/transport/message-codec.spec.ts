import { Message, MessageType } from '../core/types';
import { decodeBatch, encodeBatch } from './message-codec';

const message = (type: MessageType): Message => ({ type, from: 'n1', to: 'n2', term: 3, index: 0, logTerm: 0, entries: [], commit: 0, reject: false, rejectHint: 0 });
/** A batch is [version u8][count u32][message...]; a message starts with its type code. */
const FIRST_TYPE_CODE = 5;

describe('the peer wire format: message type codes', () => {
  it('keeps the codes of the types that travel, whatever was retired before them', () => {
    const frame = encodeBatch([message(MessageType.TimeoutNow)]);
    expect(frame[FIRST_TYPE_CODE]).toBe(11);
    expect(decodeBatch(frame)[0]!.type).toBe(MessageType.TimeoutNow);
    expect(encodeBatch([message(MessageType.ReadIndexResponse)])[FIRST_TYPE_CODE]).toBe(14);
  });

  it.each([10, 12, 15, 16])('refuses retired code %i (a local input that never travelled) as an unknown type', (code) => {
    const frame = encodeBatch([message(MessageType.Heartbeat)]);
    frame[FIRST_TYPE_CODE] = code;
    expect(() => decodeBatch(frame)).toThrow(/unknown message type/);
  });
});
