import { ConsumerLiveness } from './consumer-liveness';

describe('ConsumerLiveness', () => {
  let nowMs = 0;
  const liveness = () => new ConsumerLiveness(60_000, () => nowMs);
  beforeEach(() => {
    nowMs = 1_000_000;
  });

  it('is alive until something happens', () => {
    expect(liveness().problem()).toBeUndefined();
  });

  it('is dead at once when kafkajs will not restart the consumer', () => {
    const l = liveness();
    l.onCrash({ error: { name: 'KafkaJSNonRetriableError', message: 'boom' }, restart: false });
    expect(l.problem()).toBe('crashed and will not restart (KafkaJSNonRetriableError: boom)');
    l.onGroupJoin();
    expect(l.problem()).toMatch(/will not restart/);
  });

  it('gives a restarting consumer its minute to rejoin, then calls it dead', () => {
    const l = liveness();
    l.onCrash({ error: { name: 'KafkaJSConnectionError', message: 'gone' }, restart: true });
    nowMs += 60_000;
    expect(l.problem()).toBeUndefined();
    nowMs += 1;
    expect(l.problem()).toBe('crashed 60 s ago and has not rejoined its group (KafkaJSConnectionError: gone)');
  });

  it('is alive again once the restarted consumer rejoins its group', () => {
    const l = liveness();
    l.onCrash({ error: { name: 'KafkaJSConnectionError', message: 'gone' }, restart: true });
    l.onGroupJoin();
    nowMs += 120_000;
    expect(l.problem()).toBeUndefined();
  });

  it('follows the consumer it watches', () => {
    const handlers = new Map<string, (event: { payload: unknown }) => void>();
    const consumer = {
      events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
      on: (event: string, handler: (event: { payload: unknown }) => void) => handlers.set(event, handler),
    };
    const l = liveness().watch(consumer as never);
    handlers.get('consumer.crash')!({ payload: { error: { name: 'E', message: 'm' }, restart: false } });
    expect(l.problem()).toMatch(/will not restart/);
  });
});
