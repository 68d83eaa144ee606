import { randomUUID } from 'node:crypto';
import { currentTraceparent } from '@shopgraph/kit';
import { contracts, envelopeSchema, type EventEnvelope, type EventType, type PayloadOf, type Topic, type TopicNamespace } from './contracts';

export interface EventOrigin {
  /** The service emitting it, e.g. "products". */
  source: string;
  /** Id of the first request or event of this flow; defaults to the event's own id. */
  correlationId?: string;
  /** Id of the event or command that caused this one, if any. */
  causationId?: string | null;
  traceparent?: string | null;
}

/** Builds a validated envelope for `type`; throws when the payload breaks the contract. */
export function createEvent<T extends EventType>(type: T, aggregateId: string, payload: PayloadOf<T>, origin: EventOrigin): EventEnvelope<T> {
  const contract = contracts[type];
  const id = randomUUID();
  return {
    id,
    type,
    version: contract.version,
    occurredAt: new Date().toISOString(),
    source: origin.source,
    aggregateId,
    correlationId: origin.correlationId ?? id,
    causationId: origin.causationId ?? null,
    // The span it is created in (a request's resolver, a consumer's handler) when tracing is on;
    // else the cause's. The outbox row keeps it; the relay continues the trace from it.
    traceparent: currentTraceparent() ?? origin.traceparent ?? null,
    payload: contract.payload.parse(payload) as PayloadOf<T>,
  };
}

/** Origin for an event caused by `cause`: same correlation id, causation = the cause's id. */
export function causedBy(cause: EventEnvelope, source: string): EventOrigin {
  return { source, correlationId: cause.correlationId, causationId: cause.id, traceparent: cause.traceparent };
}

/** The topic an event type is published to, in namespace `ns`. */
export function topicOf(type: EventType, ns: TopicNamespace): Topic {
  return ns.topic(contracts[type].topic);
}

/** The topic's base name (without namespace) an event type belongs to. */
export function baseTopicOf(type: EventType): string {
  return contracts[type].topic;
}

export class ContractViolation extends Error {}

/**
 * Parses and validates a message against the envelope and its type's payload schema.
 * Returns null for a type this build does not know (a newer producer); throws
 * ContractViolation for a malformed message.
 */
export function parseEvent(raw: Buffer | string | null): EventEnvelope | null {
  if (raw === null) throw new ContractViolation('empty message');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch {
    throw new ContractViolation('message is not JSON');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) throw new ContractViolation(`bad envelope: ${envelope.error.issues[0]?.message}`);
  const contract = contracts[envelope.data.type as EventType];
  if (!contract) return null;
  if (envelope.data.version !== contract.version) {
    throw new ContractViolation(`${envelope.data.type} v${envelope.data.version} is not v${contract.version}`);
  }
  const payload = contract.payload.safeParse(envelope.data.payload);
  if (!payload.success) {
    throw new ContractViolation(`${envelope.data.type} payload: ${payload.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  }
  return { ...envelope.data, payload: payload.data } as EventEnvelope;
}
