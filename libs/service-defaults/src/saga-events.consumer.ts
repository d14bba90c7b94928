import { Controller, Inject, Type } from '@nestjs/common';
import { Ctx, EventPattern, KafkaContext } from '@nestjs/microservices';
import { createLogger, metricsRegistry } from '@shop/common';
import type { SagaEvent } from '@shop/contracts';
import { handleKafkaEvent } from '@shop/messaging';
import { UnitOfWork } from '@shop/outbox';
import { Counter } from 'prom-client';
import type { SagaServiceConfig } from './saga-service.config';
import { SAGA_SERVICE_CONFIG } from './saga-service.tokens';

/** An application-layer event handler: 'duplicate' when the inbox absorbed a redelivery, 'ignored' when not its business. */
export interface SagaEventHandler {
  handle(event: SagaEvent): Promise<'applied' | 'duplicate' | 'ignored'>;
}

export interface SagaEventsConsumerOptions {
  /** The topics this service reacts to (one consumer group per service). */
  topics: readonly string[];
  /** The provider that handles each event (in one UnitOfWork.runOnce per event). */
  handler: Type<SagaEventHandler>;
}

/** Every consumed saga event by outcome: `duplicate` counts redeliveries the inbox absorbed. */
const consumed = new Counter({
  name: 'saga_events_consumed_total',
  help: 'Saga events consumed, by type and outcome (applied, duplicate: absorbed by the inbox, ignored)',
  labelNames: ['type', 'outcome'] as const,
  registers: [metricsRegistry],
});

const logger = createLogger('SagaEventsConsumer');

/**
 * The Kafka entry point of a saga service, as a controller for the app module's `controllers`: one handler call
 * per event, under the event's request id. A handler error leaves the offset uncommitted (redelivery); an event
 * that fails on every delivery is parked as a dead inbox record (`UnitOfWork.parkPoisonEvent`, replayable) so
 * that it does not block its partition forever.
 */
export function sagaEventsConsumer(options: SagaEventsConsumerOptions): Type<unknown> {
  @Controller()
  class SagaEventsConsumer {
    constructor(
      @Inject(options.handler) private readonly handler: SagaEventHandler,
      @Inject(UnitOfWork) private readonly unitOfWork: UnitOfWork,
      @Inject(SAGA_SERVICE_CONFIG) private readonly config: SagaServiceConfig,
    ) {}

    @EventPattern([...options.topics])
    onEvent(@Ctx() ctx: KafkaContext): Promise<void> {
      return handleKafkaEvent(
        ctx,
        async (event) => {
          const outcome = await this.handler.handle(event);
          consumed.inc({ type: event.type, outcome });
          if (outcome === 'applied') this.crashIfAskedAfter(event.type);
        },
        { onPoison: this.unitOfWork.parkPoisonEvent },
      );
    }

    /**
     * Fault injection for the system tests (off unless CHAOS_CRASH_AFTER_COMMIT_OF names the event type): the
     * process dies after the handler's transaction committed and before kafkajs commits the offset, the window in
     * which only the inbox prevents a second effect on redelivery.
     */
    private crashIfAskedAfter(eventType: string): void {
      if (this.config.crashAfterCommitOf !== eventType) return;
      logger.event('warn', 'chaos: exiting after commit, before the offset commit', { eventType });
      process.exit(86);
    }
  }
  Object.defineProperty(SagaEventsConsumer, 'name', { value: `${options.handler.name}Consumer` });
  return SagaEventsConsumer;
}
