import { traceLinkOf } from './trace-link';

describe('the saga timeline link to its trace', () => {
  const traceId = '0af7651916cd43dd8448eb211c80319c';

  it('links the trace of the first traced row to the configured Jaeger', () => {
    expect(traceLinkOf([{ traceId: null }, { traceId }], 'http://localhost:16686/')).toEqual({ traceId, traceUrl: `http://localhost:16686/trace/${traceId}` });
  });

  it('names the trace but links nowhere without a configured viewer', () => {
    expect(traceLinkOf([{ traceId }], undefined)).toEqual({ traceId, traceUrl: null });
  });

  it('gives no link when no row was traced, and ignores a malformed id', () => {
    expect(traceLinkOf([{ traceId: null }, { traceId: 'javascript:alert(1)' }], 'http://jaeger')).toEqual({ traceId: null, traceUrl: null });
  });
});
