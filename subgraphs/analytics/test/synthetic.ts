import { randomUUID } from 'node:crypto';
import type { EventEnvelope, EventType, PayloadOf } from '@shopgraph/events';

/** A valid envelope of `type` at `at` (its occurredAt; OrderStatusChanged/CartCreated also carry it in the payload). */
export function envelope<T extends EventType>(type: T, aggregateId: string, payload: PayloadOf<T>, at: string): EventEnvelope<T> {
  const id = randomUUID();
  return { id, type, version: 1, occurredAt: at, source: 'test', aggregateId, correlationId: id, causationId: null, traceparent: null, payload };
}

const address = { recipient: 'A', line1: '1 Street', line2: null, city: 'City', region: null, postalCode: '1000', country: 'US' };

/** One order's life as events: placed, (paid and confirmed | cancelled), optionally refunded. */
export function orderStory(options: {
  at: number;
  customerId?: string;
  lines: { productId: string; unitPrice: number; quantity: number }[];
  outcome: 'CONFIRMED' | { cancelled: string } | { refundedAfterConfirm: string };
  currency?: string;
}): EventEnvelope[] {
  const orderId = randomUUID();
  const customerId = options.customerId ?? randomUUID();
  const currency = options.currency ?? 'USD';
  const total = options.lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const items = options.lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  const summary = { number: `SG-${orderId.slice(0, 6)}`, currency, subtotal: total, total, lines: options.lines.map((l) => ({ ...l, name: l.productId })), shippingAddress: address };
  let version = 0;
  const change = (status: PayloadOf<'OrderStatusChanged'>['status'], previousStatus: PayloadOf<'OrderStatusChanged'>['previousStatus'], offsetMs: number, reason: string | null = null) => {
    const at = new Date(options.at + offsetMs).toISOString();
    version += 1;
    return envelope('OrderStatusChanged', orderId, { orderId, customerId, status, previousStatus, reason, version, at, items, summary }, at);
  };
  const events: EventEnvelope[] = [
    envelope('CartCreated', customerId, { customerId, productId: options.lines[0].productId, at: new Date(options.at - 5_000).toISOString() }, new Date(options.at - 5_000).toISOString()),
    change('PENDING', null, 0),
  ];
  if (options.outcome !== 'CONFIRMED' && 'cancelled' in options.outcome) {
    events.push(change('CANCELLED', 'PENDING', 1_000, options.outcome.cancelled));
    return events;
  }
  const paymentId = randomUUID();
  events.push(change('AWAITING_PAYMENT', 'PENDING', 1_000));
  events.push(envelope('PaymentCaptured', orderId, { orderId, paymentId, amount: { amount: total, currency } }, new Date(options.at + 2_000).toISOString()));
  events.push(change('CONFIRMED', 'AWAITING_PAYMENT', 2_500));
  if (options.outcome !== 'CONFIRMED' && 'refundedAfterConfirm' in options.outcome) {
    events.push(change('CANCELLED', 'CONFIRMED', 120_000, options.outcome.refundedAfterConfirm));
    events.push(envelope('PaymentRefunded', orderId, { orderId, paymentId, amount: { amount: total, currency } }, new Date(options.at + 121_000).toISOString()));
  }
  return events;
}

/** A deterministic shuffle (so a failure can be replayed). */
export function shuffle<T>(items: T[], seed = 7): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
