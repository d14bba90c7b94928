import { JsonLogger } from './json-logger';
import { withRequestId } from './request-context';

describe('JsonLogger', () => {
  const lines: string[] = [];
  beforeAll(() => JsonLogger.configure({ app: 'test-app', level: 'debug', sink: { write: (l) => lines.push(l) } }));
  afterAll(() => JsonLogger.configure({ sink: process.stdout, level: 'log' }));
  beforeEach(() => (lines.length = 0));

  it('writes one JSON line with the current request id and structured fields', () => {
    withRequestId('req-42', () => new JsonLogger('orders').event('warn', 'slow call', { upstream: 'inventory', ms: 812 }));
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({
      level: 'warn',
      app: 'test-app',
      context: 'orders',
      requestId: 'req-42',
      msg: 'slow call',
      upstream: 'inventory',
      ms: 812,
    });
  });

  it('takes the context Nest passes as the last argument, and keeps error stacks', () => {
    new JsonLogger().error('boom', 'Error: boom\n    at x', 'RouterExplorer');
    const record = JSON.parse(lines[0]!);
    expect(record).toMatchObject({ level: 'error', context: 'RouterExplorer', msg: 'boom' });
    expect(record.stack).toContain('at x');
  });

  it('drops records below the configured level', () => {
    JsonLogger.configure({ level: 'warn' });
    new JsonLogger('x').log('quiet');
    JsonLogger.configure({ level: 'debug' });
    expect(lines).toHaveLength(0);
  });
});
