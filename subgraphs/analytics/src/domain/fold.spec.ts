import type { EventEnvelope, EventType, PayloadOf } from '@shopgraph/events';
import { emptyDelta, foldInto, minuteOf, type FoldedType } from './fold';

let n = 0;
function event<T extends FoldedType>(type: T, payload: PayloadOf<T>, occurredAt = '2026-05-01T00:00:00.000Z'): EventEnvelope<T> {
  n += 1;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { id, type, version: 1, occurredAt, source: 'test', aggregateId: 'a', correlationId: id, causationId: null, traceparent: null, payload } as EventEnvelope<T>;
}
const summary = (total: number, lines: { productId: string; unitPrice: number; quantity: number }[], currency = 'USD') => ({
  number: 'SG-1',
  currency,
  subtotal: total,
  total,
  lines: lines.map((l) => ({ ...l, name: l.productId })),
  shippingAddress: { recipient: 'A', line1: '1', line2: null, city: 'C', region: null, postalCode: 'P', country: 'US' },
});
const change = (status: PayloadOf<'OrderStatusChanged'>['status'], previousStatus: PayloadOf<'OrderStatusChanged'>['previousStatus'], at: string, extra: Partial<PayloadOf<'OrderStatusChanged'>> = {}) =>
  event('OrderStatusChanged', { orderId: 'o1', customerId: 'c1', status, previousStatus, reason: null, version: 1, at, items: [{ productId: 'p1', quantity: 2 }], ...extra });

describe('fold', () => {
  it('buckets each fact by its own time and counts what the issue asks', () => {
    const events = [
      event('CartCreated', { customerId: 'c1', productId: 'p1', at: '2026-05-01T10:00:59.999Z' }, '2026-05-01T12:00:00.000Z'),
      change('PENDING', null, '2026-05-01T10:01:10.000Z'),
      change('AWAITING_PAYMENT', 'PENDING', '2026-05-01T10:01:11.000Z'),
      event('PaymentCaptured', { orderId: 'o1', paymentId: 'x', amount: { amount: 5000, currency: 'USD' } }, '2026-05-01T10:01:12.000Z'),
      change('CONFIRMED', 'AWAITING_PAYMENT', '2026-05-01T10:01:13.000Z', {
        items: [{ productId: 'p1', quantity: 2 }, { productId: 'p2', quantity: 1 }],
        summary: summary(5000, [{ productId: 'p1', unitPrice: 1500, quantity: 2 }, { productId: 'p2', unitPrice: 2000, quantity: 1 }]),
      }),
      change('CANCELLED', 'CONFIRMED', '2026-05-01T10:03:00.000Z', { reason: 'CUSTOMER_REQUEST' }),
      event('PaymentRefunded', { orderId: 'o1', paymentId: 'x', amount: { amount: 5000, currency: 'USD' } }, '2026-05-01T10:03:01.000Z'),
      event('PaymentCaptured', { orderId: 'o2', paymentId: 'y', amount: { amount: 999, currency: 'EUR' } }, '2026-05-01T10:03:02.000Z'),
    ];
    const delta = foldInto(emptyDelta(), events, 'USD');
    const m = (iso: string) => minuteOf(Date.parse(iso));
    expect(delta.sales.get(m('2026-05-01T10:00:00Z'))).toMatchObject({ cartsCreated: 1, ordersPlaced: 0 });
    expect(delta.sales.get(m('2026-05-01T10:01:00Z'))).toEqual({
      cartsCreated: 0, ordersPlaced: 1, ordersConfirmed: 1, ordersCancelled: 0, itemsSold: 3, revenue: 5000, refunds: 0, confirmedValue: 5000,
    });
    expect(delta.sales.get(m('2026-05-01T10:03:00Z'))).toMatchObject({ ordersCancelled: 1, refunds: 5000, revenue: 0 });
    expect([...delta.products.values()]).toEqual([
      { minute: m('2026-05-01T10:01:00Z'), productId: 'p1', units: 2, revenue: 3000 },
      { minute: m('2026-05-01T10:01:00Z'), productId: 'p2', units: 1, revenue: 2000 },
    ]);
    expect([...delta.cancellations.values()]).toEqual([{ minute: m('2026-05-01T10:03:00Z'), reason: 'CUSTOMER_REQUEST', count: 1 }]);
  });

  it('gives the same figures whatever order the events come in', () => {
    const events = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? change('PENDING', null, new Date(Date.UTC(2026, 0, 1, 0, i % 7)).toISOString())
        : i % 3 === 1
          ? event('PaymentCaptured', { orderId: `o${i}`, paymentId: `p${i}`, amount: { amount: 100 + i, currency: 'USD' } }, new Date(Date.UTC(2026, 0, 1, 0, i % 5)).toISOString())
          : change('CANCELLED', 'PENDING', new Date(Date.UTC(2026, 0, 1, 0, i % 4)).toISOString(), { reason: i % 2 ? 'OUT_OF_STOCK' : 'TIMED_OUT' }),
    );
    const flat = (d: ReturnType<typeof emptyDelta>) => JSON.stringify([[...d.sales].sort(([a], [b]) => a - b), [...d.cancellations].sort()]);
    const inOrder = flat(foldInto(emptyDelta(), events, 'USD'));
    const reversed = flat(foldInto(emptyDelta(), [...events].reverse(), 'USD'));
    const shuffled = flat(foldInto(emptyDelta(), [...events].sort((a, b) => (a.id.split('').reverse().join('') < b.id.split('').reverse().join('') ? -1 : 1)), 'USD'));
    expect(reversed).toBe(inOrder);
    expect(shuffled).toBe(inOrder);
  });
});

// Keeps the helper honest about the types it builds.
export type _Checked = EventType;
