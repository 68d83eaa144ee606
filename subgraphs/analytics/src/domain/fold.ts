import type { EventEnvelope, EventType } from '@shopgraph/events';

/** The event types that move a figure; every other type is skipped (and not recorded in the inbox). */
export const FOLDED_TYPES = ['OrderStatusChanged', 'CartCreated', 'PaymentCaptured', 'PaymentRefunded'] as const satisfies readonly EventType[];
export type FoldedType = (typeof FOLDED_TYPES)[number];
const folded = new Set<string>(FOLDED_TYPES);

export function isFolded(event: EventEnvelope): event is EventEnvelope<FoldedType> {
  return folded.has(event.type);
}

export const MINUTE_MS = 60_000;

/** The sales counters of one minute. */
export interface SalesCounters {
  cartsCreated: number;
  ordersPlaced: number;
  ordersConfirmed: number;
  ordersCancelled: number;
  itemsSold: number;
  revenue: number;
  refunds: number;
  confirmedValue: number;
}

export const emptyCounters = (): SalesCounters => ({
  cartsCreated: 0,
  ordersPlaced: 0,
  ordersConfirmed: 0,
  ordersCancelled: 0,
  itemsSold: 0,
  revenue: 0,
  refunds: 0,
  confirmedValue: 0,
});

/** What a batch of events adds to the figures: every key is a minute (epoch ms, UTC, aligned). */
export interface FoldDelta {
  sales: Map<number, SalesCounters>;
  /** `${minute}\u0000${productId}` → units and revenue. */
  products: Map<string, { minute: number; productId: string; units: number; revenue: number }>;
  /** `${minute}\u0000${reason}` → count. */
  cancellations: Map<string, { minute: number; reason: string; count: number }>;
}

export const emptyDelta = (): FoldDelta => ({ sales: new Map(), products: new Map(), cancellations: new Map() });

/**
 * When the fact happened, by the event itself (never when it arrived): an order's status change
 * and a cart's creation carry their own `at`; a payment event its envelope's `occurredAt`.
 */
export function eventTime(event: EventEnvelope<FoldedType>): number {
  const at = event.type === 'OrderStatusChanged' || event.type === 'CartCreated' ? (event.payload as { at: string }).at : event.occurredAt;
  const ms = Date.parse(at);
  if (!Number.isFinite(ms)) throw new Error(`${event.type} ${event.id} has no valid time (${at})`);
  return ms;
}

export const minuteOf = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

/**
 * Adds `events` to `delta` (pure; the caller makes sure each event is folded once). Sums only, so
 * the result does not depend on the order the events come in: a replay in any order, with late
 * or shuffled events, gives the same figures.
 *
 * - OrderStatusChanged to PENDING without a previous status: an order placed.
 * - to CONFIRMED: an order confirmed, its units sold (items), its total (for the average order
 *   value) and, per product, units and revenue (unit price as ordered × quantity) from its summary.
 * - to CANCELLED: an order cancelled, counted under its reason.
 * - CartCreated: a cart created (the funnel's first step).
 * - PaymentCaptured / PaymentRefunded: revenue / refunds (money in `currency` only).
 */
export function foldInto(delta: FoldDelta, events: Iterable<EventEnvelope<FoldedType>>, currency: string): FoldDelta {
  for (const event of events) {
    const minute = minuteOf(eventTime(event));
    let counters = delta.sales.get(minute);
    if (!counters) delta.sales.set(minute, (counters = emptyCounters()));
    switch (event.type) {
      case 'CartCreated':
        counters.cartsCreated += 1;
        break;
      case 'PaymentCaptured': {
        const { amount } = (event as EventEnvelope<'PaymentCaptured'>).payload;
        if (amount.currency === currency) counters.revenue += amount.amount;
        break;
      }
      case 'PaymentRefunded': {
        const { amount } = (event as EventEnvelope<'PaymentRefunded'>).payload;
        if (amount.currency === currency) counters.refunds += amount.amount;
        break;
      }
      case 'OrderStatusChanged': {
        const change = (event as EventEnvelope<'OrderStatusChanged'>).payload;
        if (change.status === 'PENDING' && change.previousStatus === null) counters.ordersPlaced += 1;
        else if (change.status === 'CONFIRMED' && change.previousStatus !== 'CONFIRMED') {
          counters.ordersConfirmed += 1;
          counters.itemsSold += change.items.reduce((sum, line) => sum + line.quantity, 0);
          const summary = change.summary;
          const priced = summary && summary.currency === currency;
          if (priced) counters.confirmedValue += summary.total;
          // Product sales from the priced lines when the event has them (events since the summary), else units only.
          const lines = summary ? summary.lines.map((l) => ({ productId: l.productId, quantity: l.quantity, revenue: priced ? l.unitPrice * l.quantity : 0 })) : change.items.map((l) => ({ productId: l.productId, quantity: l.quantity, revenue: 0 }));
          for (const line of lines) {
            const key = `${minute}\u0000${line.productId}`;
            const entry = delta.products.get(key) ?? { minute, productId: line.productId, units: 0, revenue: 0 };
            entry.units += line.quantity;
            entry.revenue += line.revenue;
            delta.products.set(key, entry);
          }
        } else if (change.status === 'CANCELLED' && change.previousStatus !== 'CANCELLED') {
          counters.ordersCancelled += 1;
          const reason = change.reason ?? 'UNKNOWN';
          const key = `${minute}\u0000${reason}`;
          const entry = delta.cancellations.get(key) ?? { minute, reason, count: 0 };
          entry.count += 1;
          delta.cancellations.set(key, entry);
        }
        break;
      }
    }
  }
  return delta;
}
