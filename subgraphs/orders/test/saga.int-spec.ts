import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import { address, customer, PLACE_ORDER, startOrdersSubgraph, tapEvents, type EventTap, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

const inventory = { source: 'inventory' };
const payments = { source: 'payments' };
const HISTORY = `query ($id: ID!) { order(id: $id) { status cancellationReason version history { status reason at } } }`;

async function placeOrder(orders: TestOrdersSubgraph, viewer = customer(), quantity = 2, price = 1250) {
  const productId = await orders.givenProduct({ price: { amount: price, currency: 'USD' } });
  const res = await orders.call(
    PLACE_ORDER,
    { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity }], shippingAddress: address, paymentToken: 'tok_visa' } },
    viewer,
  );
  const { order } = res.body.data!.placeOrder;
  return { orderId: order.id as string, productId, viewer, lines: [{ productId, quantity }] };
}

const statusOf = (orders: TestOrdersSubgraph, orderId: string, status: string) =>
  eventually(async () => {
    const row = await orders.orderRow(orderId);
    return row?.status === status ? row : undefined;
  }, 15000);

describe('the order saga, driven by inventory.v1 and payments.v1', () => {
  let orders: TestOrdersSubgraph;
  let tap: EventTap;

  beforeAll(async () => {
    orders = await startOrdersSubgraph();
    tap = await tapEvents();
  });
  afterAll(async () => {
    await tap?.stop();
    await orders?.stop();
  });

  it('StockReserved → AWAITING_PAYMENT + AuthorizePayment; PaymentCaptured → CONFIRMED + CommitStock', async () => {
    const { orderId, viewer, lines } = await placeOrder(orders, customer(), 2, 1250);

    await orders.produce(createEvent('StockReserved', orderId, { orderId, lines }, inventory));
    await statusOf(orders, orderId, 'AWAITING_PAYMENT');
    const authorize = await tap.waitFor('AuthorizePayment', orderId);
    expect(authorize.payload).toEqual({ orderId, customerId: viewer.id, amount: { amount: 2500, currency: 'USD' }, paymentToken: 'tok_visa' });

    const paymentId = randomUUID();
    await orders.produce(createEvent('PaymentCaptured', orderId, { orderId, paymentId, amount: { amount: 2500, currency: 'USD' } }, payments));
    await statusOf(orders, orderId, 'CONFIRMED');
    await tap.waitFor('CommitStock', orderId);

    const order = (await orders.call(HISTORY, { id: orderId }, viewer)).body.data!.order;
    expect(order).toMatchObject({ status: 'CONFIRMED', cancellationReason: null, version: 3 });
    expect(order.history.map((h: { status: string }) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    const changes = await eventually(async () => {
      const seen = tap.events.filter((e) => e.type === 'OrderStatusChanged' && e.aggregateId === orderId) as EventEnvelope<'OrderStatusChanged'>[];
      return seen.length === 3 ? seen : undefined;
    });
    expect(changes.map((e) => [e.payload.previousStatus, e.payload.status, e.payload.version])).toEqual([
      [null, 'PENDING', 1],
      ['PENDING', 'AWAITING_PAYMENT', 2],
      ['AWAITING_PAYMENT', 'CONFIRMED', 3],
    ]);
    // The token is not kept once the saga has settled.
    const [row] = await orders.sql('SELECT payment_token, payment_captured, deadline_at FROM orders WHERE id = $1', [orderId]);
    expect(row).toEqual({ payment_token: null, payment_captured: true, deadline_at: null });
  });

  it('StockReservationFailed → CANCELLED(OUT_OF_STOCK), nothing to release', async () => {
    const { orderId, productId } = await placeOrder(orders);
    await orders.produce(createEvent('StockReservationFailed', orderId, { orderId, reason: 'OUT_OF_STOCK', productIds: [productId] }, inventory));
    const row = await statusOf(orders, orderId, 'CANCELLED');
    expect(row).toMatchObject({ cancellation_reason: 'OUT_OF_STOCK', version: 2 });
    const changed = await eventually(async () =>
      tap.events.find((e) => e.type === 'OrderStatusChanged' && e.aggregateId === orderId && (e.payload as { version: number }).version === 2),
    );
    expect(changed.payload).toMatchObject({ status: 'CANCELLED', previousStatus: 'PENDING', reason: 'OUT_OF_STOCK' });
    expect(tap.typesFor(orderId)).not.toContain('ReleaseStock');
  });

  it.each([
    ['PaymentDeclined', 'PAYMENT_DECLINED'],
    ['PaymentFailed', 'PAYMENT_FAILED'],
  ] as const)('%s → CANCELLED(%s) + ReleaseStock', async (type, reason) => {
    const { orderId, lines } = await placeOrder(orders);
    await orders.produce(createEvent('StockReserved', orderId, { orderId, lines }, inventory));
    await statusOf(orders, orderId, 'AWAITING_PAYMENT');
    await orders.produce(createEvent(type, orderId, { orderId, paymentId: randomUUID(), reason: 'card_declined' }, payments));
    expect(await statusOf(orders, orderId, 'CANCELLED')).toMatchObject({ cancellation_reason: reason, version: 3 });
    await tap.waitFor('ReleaseStock', orderId);
    expect(tap.typesFor(orderId)).not.toContain('RefundPayment');
  });

  it('applies a redelivered event once: one transition, one version step', async () => {
    const { orderId, lines } = await placeOrder(orders);
    const reserved = createEvent('StockReserved', orderId, { orderId, lines }, inventory);
    await orders.produce(reserved, reserved);
    await orders.produce(reserved);
    await statusOf(orders, orderId, 'AWAITING_PAYMENT');
    const declined = createEvent('PaymentDeclined', orderId, { orderId, paymentId: randomUUID(), reason: 'card_declined' }, payments);
    // A second, distinct decline (payments retried) changes nothing either.
    const again = createEvent('PaymentDeclined', orderId, { orderId, paymentId: randomUUID(), reason: 'card_declined' }, payments);
    await orders.produce(declined, declined, again);
    await statusOf(orders, orderId, 'CANCELLED');
    // Let every copy be consumed before looking.
    await eventually(async () => {
      const [inbox] = await orders.sql(`SELECT count(*)::int AS n FROM inbox WHERE event_id = ANY($1::uuid[])`, [[reserved.id, declined.id, again.id]]);
      return inbox.n === 3 ? true : undefined;
    });
    expect(await orders.orderRow(orderId)).toMatchObject({ status: 'CANCELLED', version: 3 });
    const history = await orders.sql('SELECT version, status FROM order_status_history WHERE order_id = $1 ORDER BY version', [orderId]);
    expect(history).toEqual([
      { version: 1, status: 'PENDING' },
      { version: 2, status: 'AWAITING_PAYMENT' },
      { version: 3, status: 'CANCELLED' },
    ]);
    const [authorizations] = await orders.sql(`SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND envelope->>'type' = 'AuthorizePayment'`, [orderId]);
    expect(authorizations.n).toBe(1);
  });

  it('refunds a capture that arrives after the order was cancelled, and releases a late reservation', async () => {
    const { orderId, lines, viewer } = await placeOrder(orders);
    const cancel = await orders.call(`mutation ($id: ID!) { cancelOrder(id: $id) { order { status cancellationReason } errors { code } } }`, { id: orderId }, viewer);
    expect(cancel.body.data!.cancelOrder.order).toEqual({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' });
    await tap.waitFor('ReleaseStock', orderId);

    await orders.produce(createEvent('StockReserved', orderId, { orderId, lines }, inventory));
    await eventually(async () => (tap.typesFor(orderId).filter((t) => t === 'ReleaseStock').length === 2 ? true : undefined));
    await orders.produce(createEvent('PaymentCaptured', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 2500, currency: 'USD' } }, payments));
    const refund = await tap.waitFor('RefundPayment', orderId);
    expect(refund.payload).toEqual({ orderId, amount: null });
    expect(await orders.orderRow(orderId)).toMatchObject({ status: 'CANCELLED', version: 2, cancellation_reason: 'CUSTOMER_REQUEST' });
  });

  it('ignores events about orders it does not know', async () => {
    const orderId = randomUUID();
    await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines: [{ productId: 'x', quantity: 1 }] }, inventory));
    await orders.service.handle(createEvent('PaymentCaptured', 'not-a-uuid', { orderId: 'not-a-uuid', paymentId: 'p', amount: { amount: 1, currency: 'USD' } }, payments));
    const [outbox] = await orders.sql('SELECT count(*)::int AS n FROM outbox WHERE key = ANY($1)', [[orderId, 'not-a-uuid']]);
    expect(outbox.n).toBe(0);
  });

  it('decides again when a cancellation and a reply race: the books stay straight either way', async () => {
    for (let i = 0; i < 5; i++) {
      const { orderId, lines, viewer } = await placeOrder(orders);
      await Promise.all([
        orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines }, inventory)),
        orders.call(`mutation ($id: ID!) { cancelOrder(id: $id) { errors { code } } }`, { id: orderId }, viewer),
      ]);
      const row = await orders.orderRow(orderId);
      expect(row!.status).toBe('CANCELLED');
      const history = await orders.sql<{ status: string }>('SELECT status FROM order_status_history WHERE order_id = $1 ORDER BY version', [orderId]);
      const types = (await orders.sql<{ type: string }>(`SELECT envelope->>'type' AS type FROM outbox WHERE key = $1 ORDER BY seq`, [orderId])).map((r) => r.type);
      expect(history.length).toBe(row!.version);
      // Whatever won, the reserved stock is released.
      expect(types).toContain('ReleaseStock');
      if (history.length === 3) expect(types).toEqual(expect.arrayContaining(['AuthorizePayment', 'RefundPayment']));
    }
  });
});

describe('saga timeouts', () => {
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '', RESERVATION_TIMEOUT_SECONDS: '1', PAYMENT_TIMEOUT_SECONDS: '1', SAGA_SWEEP_INTERVAL_MS: '200' });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  const outboxTypes = async (orderId: string) =>
    (await orders.sql<{ type: string }>(`SELECT envelope->>'type' AS type FROM outbox WHERE key = $1 ORDER BY seq`, [orderId])).map((r) => r.type);
  const historyReasons = async (orderId: string) =>
    (await orders.sql<{ reason: string | null }>('SELECT reason FROM order_status_history WHERE order_id = $1 ORDER BY version', [orderId])).map((r) => r.reason);

  it('cancels an order whose reservation never answers, and releases whatever was reserved', async () => {
    const { orderId } = await placeOrder(orders);
    const started = Date.now();
    const row = await statusOf(orders, orderId, 'CANCELLED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(row).toMatchObject({ cancellation_reason: 'TIMED_OUT', version: 2 });
    expect(await historyReasons(orderId)).toEqual([null, 'TIMED_OUT: stock reservation']);
    expect(await outboxTypes(orderId)).toEqual(['ReserveStock', 'OrderStatusChanged', 'ReleaseStock', 'OrderStatusChanged']);
  });

  it('cancels an order whose payment never answers as TIMED_OUT, with release and refund', async () => {
    const { orderId, lines } = await placeOrder(orders);
    await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines }, inventory));
    expect((await orders.orderRow(orderId))!.status).toBe('AWAITING_PAYMENT');
    const row = await statusOf(orders, orderId, 'CANCELLED');
    expect(row).toMatchObject({ cancellation_reason: 'TIMED_OUT', version: 3 });
    expect(await historyReasons(orderId)).toEqual([null, null, 'TIMED_OUT: payment']);
    expect(await outboxTypes(orderId)).toEqual([
      'ReserveStock',
      'OrderStatusChanged',
      'AuthorizePayment',
      'OrderStatusChanged',
      'ReleaseStock',
      'RefundPayment',
      'OrderStatusChanged',
    ]);
    // The capture that finally arrives is refunded, and the order stays cancelled.
    await orders.service.handle(createEvent('PaymentCaptured', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 2500, currency: 'USD' } }, payments));
    expect((await outboxTypes(orderId)).slice(-1)).toEqual(['RefundPayment']);
    expect(await orders.orderRow(orderId)).toMatchObject({ status: 'CANCELLED', version: 3 });
  });

  it('leaves orders that answered in time alone', async () => {
    const { orderId, lines } = await placeOrder(orders);
    await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines }, inventory));
    await orders.service.handle(createEvent('PaymentCaptured', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 2500, currency: 'USD' } }, payments));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await orders.orderRow(orderId)).toMatchObject({ status: 'CONFIRMED', version: 3 });
  });
});
