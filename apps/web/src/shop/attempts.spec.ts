import { HttpError } from '../api/http';
import { describeOutcome, outcomeOfAnswer, outcomeOfError } from './attempts';

describe('what a press of "Place order" got back', () => {
  it('tells a first answer from a replayed one by the Idempotent-Replayed header', () => {
    expect(outcomeOfAnswer(201, null, 'o-1')).toEqual({ kind: 'created', orderId: 'o-1', status: 201 });
    expect(outcomeOfAnswer(201, 'true', 'o-1')).toEqual({ kind: 'replayed', orderId: 'o-1', status: 201 });
    expect(describeOutcome(outcomeOfAnswer(201, 'true', 'o-1'))).toContain('no second order');
  });

  it('says a 409 means the first request is still in flight, not a failure', () => {
    const outcome = outcomeOfError(new HttpError(409, 'conflict', 'request in progress'));
    expect(outcome).toEqual({ kind: 'in-flight', status: 409 });
    expect(describeOutcome(outcome)).toContain('still being processed');
  });

  it('asks for a new key only when the key itself is spent (400, 422)', () => {
    expect(outcomeOfError(new HttpError(400, 'bad_request', 'unknown key'))).toMatchObject({ newKeyNeeded: true });
    expect(outcomeOfError(new HttpError(422, 'unprocessable_entity', 'other body'))).toMatchObject({ newKeyNeeded: true });
    const limited = outcomeOfError(new HttpError(429, 'rate_limited', 'slow down', 2));
    expect(limited).toMatchObject({ newKeyNeeded: false, retryAfterSeconds: 2 });
    expect(describeOutcome(limited)).toContain('Retry after 2 s (same key, safe)');
  });
});
