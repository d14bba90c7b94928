import { ClientSideError, DependencyUnavailableAnswer, isGatewayFailure, isNotUpstreamsFault, judgeAnswer, UpstreamStatusError } from './upstream-failure';

describe('breaker accounting: a failure is attributed to the part that failed', () => {
  it('a 4xx is never the upstream failing', () => {
    for (const status of [400, 401, 403, 404, 408, 409, 413, 422, 429]) expect(judgeAnswer(status, false)).toBe('success');
  });

  it('a 5xx the upstream produced is its failure', () => {
    for (const status of [500, 502, 503, 504]) expect(judgeAnswer(status, false)).toBe('failure');
    expect(judgeAnswer(500, true)).toBe('failure');
  });

  it('a 503 with Retry-After is a service saying its own dependency is down: passed through, not its failure', () => {
    expect(judgeAnswer(503, true)).toBe('dependency-unavailable');
    expect(isNotUpstreamsFault(new DependencyUnavailableAnswer())).toBe(true);
  });

  it("a client's slowness or abort is never the upstream's failure; the upstream's own 5xx is", () => {
    expect(isNotUpstreamsFault(new ClientSideError('slow body', 408, 'request_timeout', { closeConnection: true }))).toBe(true);
    expect(isNotUpstreamsFault(new ClientSideError('client went away', 499, 'bad_request'))).toBe(true);
    expect(isNotUpstreamsFault(new UpstreamStatusError(500))).toBe(false);
    expect(isNotUpstreamsFault(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }))).toBe(false);
  });

  it('gateway failures of an instance (for outlier ejection): connect errors, resets and timeouts only', () => {
    for (const code of ['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']) {
      expect(isGatewayFailure(Object.assign(new Error(code), { code }))).toBe(true);
    }
    expect(isGatewayFailure(new UpstreamStatusError(500))).toBe(false);
    expect(isGatewayFailure(new ClientSideError('gone', 499, 'bad_request'))).toBe(false);
    expect(isGatewayFailure(new Error('no code'))).toBe(false);
  });
});
