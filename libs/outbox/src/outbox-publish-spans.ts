import { contextFromTraceparent, failSpan, SpanKind, startSpan, TRACEPARENT_HEADER, traceparentOf, tracingEnabled } from '@shop/common';
import type { Span } from '@opentelemetry/api';

/** What the relay needs of a claimed row to trace its publish. */
export interface TracedRow {
  topic: string;
  type: string;
  key: string;
  traceparent: string | null;
}

/**
 * One PRODUCER span per published row, a child of the context stored with the row (the transaction that wrote
 * it), covering the batch's send; its traceparent goes out in the Kafka headers, so the consumer's span is its
 * child. Rows written without a trace context get none (no new root trace per relay pass). Off: nothing at all.
 */
export class PublishSpans {
  private readonly spans: (Span | undefined)[];

  constructor(rows: readonly TracedRow[], serviceName: string) {
    this.spans = !tracingEnabled()
      ? []
      : rows.map((row) =>
          row.traceparent === null
            ? undefined
            : startSpan(
                `${row.topic} publish`,
                {
                  kind: SpanKind.PRODUCER,
                  attributes: {
                    'messaging.system': 'kafka',
                    'messaging.operation.type': 'send',
                    'messaging.destination.name': row.topic,
                    'messaging.kafka.message.key': row.key,
                    'shop.event.type': row.type,
                    'shop.outbox.service': serviceName,
                  },
                },
                contextFromTraceparent(row.traceparent),
              ),
        );
  }

  /** Kafka headers to add to row `i`'s message: its publish span's traceparent. */
  headers(i: number): Record<string, string> {
    const span = this.spans[i];
    const traceparent = span === undefined ? undefined : traceparentOf(span);
    return traceparent === undefined ? {} : { [TRACEPARENT_HEADER]: traceparent };
  }

  end(error?: unknown): void {
    for (const span of this.spans) {
      if (span === undefined) continue;
      if (error !== undefined) failSpan(span, error);
      span.end();
    }
  }
}
