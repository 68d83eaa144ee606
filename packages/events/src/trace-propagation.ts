import { context, trace, ROOT_CONTEXT, SpanKind, type Context, type Link, type Span } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { contextFromTraceparent, currentTraceparent, linkTo, recordError, shopTracer } from '@shopgraph/kit';
import type { EventEnvelope } from './contracts';

// W3C trace context across Kafka. An event records the span it was created in (`traceparent` in
// the envelope, so in the outbox row too); the relay publishes it under a PRODUCER span that is a
// child of that span and puts the producer span's `traceparent` into the message headers; the
// consumer runs its handler in a CONSUMER span that is a child of the header's span. Commands and
// replies emitted by the handler are created inside that span and carry it on: one order's saga
// is one trace. Without a started SDK the spans are no-ops and the headers carry the envelope's
// own traceparent.

const headerText = (value: IHeaders[string]): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
};

/** A PRODUCER span for publishing `event` to `topic`, child of the span the event was created in. */
export function startProducerSpan(event: EventEnvelope, topic: string, batch?: Link): Span {
  return shopTracer().startSpan(
    `${topic} publish`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'send',
        'messaging.destination.name': topic,
        'messaging.message.id': event.id,
        'messaging.kafka.message.key': event.aggregateId,
        'shopgraph.event.type': event.type,
        'shopgraph.correlation_id': event.correlationId,
      },
      links: batch ? [batch] : undefined,
    },
    contextFromTraceparent(event.traceparent),
  );
}

/** Kafka headers of `event`: its type and id, and the traceparent of `span` (else the envelope's own). */
export function messageHeaders(event: EventEnvelope, span: Span): Record<string, string> {
  const headers: Record<string, string> = { 'event-type': event.type, 'event-id': event.id };
  const traceparent = currentTraceparent(trace.setSpan(ROOT_CONTEXT, span)) ?? event.traceparent;
  if (traceparent) headers.traceparent = traceparent;
  return headers;
}

/** The context a consumed message continues: its `traceparent` header, else its envelope's. */
export function messageContext(headers: IHeaders | undefined, event: EventEnvelope | null): Context {
  const fromHeader = headers ? headerText(headers.traceparent) : undefined;
  return contextFromTraceparent(fromHeader ?? event?.traceparent ?? null);
}

/**
 * Runs `fn` in a CONSUMER span for one message of `topic` (child of the message's trace context),
 * recording a thrown error on the span.
 */
export async function inConsumerSpan<T>(
  topic: string,
  partition: number,
  offset: string,
  groupId: string,
  parent: Context,
  event: EventEnvelope | null,
  fn: () => Promise<T>,
): Promise<T> {
  const span = shopTracer().startSpan(
    `${topic} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(offset),
        'messaging.consumer.group.name': groupId,
        ...(event
          ? { 'messaging.message.id': event.id, 'shopgraph.event.type': event.type, 'shopgraph.correlation_id': event.correlationId }
          : {}),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/**
 * A span for one relay batch carrying events of several traces, linked to each of them; null for
 * a batch of a single trace (its producer span says it all).
 */
export function startBatchSpan(events: EventEnvelope[], relay: string): Span | null {
  const links = new Map<string, Link>();
  for (const e of events) {
    const link = linkTo(e.traceparent);
    if (link && !links.has(link.context.traceId)) links.set(link.context.traceId, link);
  }
  if (links.size < 2) return null;
  return shopTracer().startSpan(
    `${relay} publish batch`,
    { kind: SpanKind.INTERNAL, links: [...links.values()], attributes: { 'messaging.batch.message_count': events.length } },
    ROOT_CONTEXT,
  );
}
