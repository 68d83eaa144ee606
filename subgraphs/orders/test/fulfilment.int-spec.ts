import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope } from '@shopgraph/events';
import type { Viewer } from '@shopgraph/kit';
import { address, admin, customer, PLACE_ORDER, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// Issue 15 in orders, on the real PostgreSQL/Redis/Kafka of the stack: shipping.v1 shipment
// events drive the order to SHIPPED and DELIVERED; returns are asked for, decided and received,
// and their restock/refund commands and the replies to them go through the outbox and the inbox.
// Events are fed through the service's declared handlers (service.handle), as its consumers would.

const HISTORY = `query ($id: ID!) { order(id: $id) { status version history { status reason at } } }`;
const RETURN_FIELDS = `id status reason rejectionReason refundAmount { amount currency } lines { product { id } variant { id } quantity } order { id } createdAt updatedAt`;
const REQUEST = `mutation ($input: RequestReturnInput!) { requestReturn(input: $input) { return { ${RETURN_FIELDS} } errors { code message field } } }`;
const APPROVE = `mutation ($id: ID!) { approveReturn(id: $id) { return { ${RETURN_FIELDS} } errors { code message field } } }`;
const REJECT = `mutation ($id: ID!, $reason: String!) { rejectReturn(id: $id, reason: $reason) { return { ${RETURN_FIELDS} } errors { code message field } } }`;
const RECEIVE = `mutation ($id: ID!) { receiveReturn(id: $id) { return { ${RETURN_FIELDS} } errors { code message field } } }`;
const ORDER_RETURNS = `query ($id: ID!) { order(id: $id) { returns { id status refundAmount { amount } } } }`;
const RETURNS = `query ($status: ReturnStatus, $first: Int, $after: String) { returns(status: $status, first: $first, after: $after) { totalCount edges { cursor node { id status } } pageInfo { hasNextPage endCursor } } }`;

const shipping = { source: 'shipping' };

describe('orders: shipments drive the status; returns restock and refund through commands', () => {
  let orders: TestOrdersSubgraph;
  const ADMIN = admin();

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  const outbox = async (aggregateId: string): Promise<EventEnvelope[]> =>
    (await orders.sql<{ envelope: EventEnvelope }>('SELECT envelope FROM outbox WHERE key = $1 ORDER BY seq', [aggregateId])).map((r) => r.envelope);
  const ofType = async <T extends EventEnvelope['type']>(aggregateId: string, type: T) => (await outbox(aggregateId)).filter((e) => e.type === type) as EventEnvelope<T>[];

  /** A CONFIRMED order of three lines (2×1000, 1×2500, 3×700) for `viewer`, through the real saga handlers. */
  async function confirmedOrder(viewer: Viewer = customer()) {
    const products = [
      await orders.givenProduct({ price: { amount: 1000, currency: 'USD' } }),
      await orders.givenProduct({ price: { amount: 2500, currency: 'USD' } }),
      await orders.givenProduct({ price: { amount: 700, currency: 'USD' } }),
    ];
    const quantities = [2, 1, 3];
    const res = await orders.call(
      PLACE_ORDER,
      { input: { idempotencyKey: randomUUID(), items: products.map((productId, i) => ({ productId, quantity: quantities[i] })), shippingAddress: address, paymentToken: 'tok_visa' } },
      viewer,
    );
    expect(res.body.data!.placeOrder.errors).toEqual([]);
    const orderId = res.body.data!.placeOrder.order.id as string;
    const lines = products.map((productId, i) => ({ productId, quantity: quantities[i] }));
    await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines }, { source: 'inventory' }));
    const total = 2 * 1000 + 2500 + 3 * 700;
    await orders.service.handle(createEvent('PaymentCaptured', orderId, { orderId, paymentId: randomUUID(), amount: { amount: total, currency: 'USD' } }, { source: 'payments' }));
    expect((await orders.orderRow(orderId))!.status).toBe('CONFIRMED');
    return { orderId, products, lines, viewer, total };
  }

  const shipment = (
    type: 'ShipmentCreated' | 'ShipmentStatusChanged',
    orderId: string,
    lines: { productId: string; quantity: number }[],
    flags: { shipped: boolean; delivered: boolean },
    shipmentId = randomUUID(),
  ) =>
    createEvent(
      type,
      orderId,
      {
        shipmentId,
        orderId,
        lines,
        carrier: 'DHL',
        trackingNumber: 'TN1',
        trackingUrl: null,
        status: type === 'ShipmentCreated' ? 'SHIPPED' : 'DELIVERED',
        at: new Date().toISOString(),
        orderFullyShipped: flags.shipped,
        orderFullyDelivered: flags.delivered,
        ...(type === 'ShipmentStatusChanged' ? { previousStatus: 'SHIPPED' as const } : {}),
      } as never,
      shipping,
    );

  /** Ships the order in two parcels and delivers both, through shipping.v1 events. */
  async function deliveredOrder(viewer: Viewer = customer()) {
    const order = await confirmedOrder(viewer);
    const [first, second] = [randomUUID(), randomUUID()];
    await orders.service.handle(shipment('ShipmentCreated', order.orderId, order.lines.slice(0, 1), { shipped: false, delivered: false }, first));
    await orders.service.handle(shipment('ShipmentCreated', order.orderId, order.lines.slice(1), { shipped: true, delivered: false }, second));
    await orders.service.handle(shipment('ShipmentStatusChanged', order.orderId, order.lines.slice(0, 1), { shipped: true, delivered: false }, first));
    await orders.service.handle(shipment('ShipmentStatusChanged', order.orderId, order.lines.slice(1), { shipped: true, delivered: true }, second));
    expect((await orders.orderRow(order.orderId))!.status).toBe('DELIVERED');
    return order;
  }

  describe('shipping.v1 → order status', () => {
    it('SHIPPED only when every line has shipped, DELIVERED when every shipment is delivered: history and OrderStatusChanged each; redelivery changes nothing', async () => {
      const { orderId, lines, viewer } = await confirmedOrder();
      const firstParcel = shipment('ShipmentCreated', orderId, lines.slice(0, 2), { shipped: false, delivered: false });
      await orders.service.handle(firstParcel);
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'CONFIRMED', version: 3 });

      const secondParcel = shipment('ShipmentCreated', orderId, lines.slice(2), { shipped: true, delivered: false });
      await orders.service.handle(secondParcel);
      await orders.service.handle(secondParcel); // redelivered
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'SHIPPED', version: 4 });

      const delivered = shipment('ShipmentStatusChanged', orderId, lines.slice(2), { shipped: true, delivered: true });
      await orders.service.handle(delivered);
      await orders.service.handle(delivered);
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'DELIVERED', version: 5 });

      const order = (await orders.call(HISTORY, { id: orderId }, viewer)).body.data!.order;
      expect(order.history.map((h: { status: string; reason: string | null }) => [h.status, h.reason])).toEqual([
        ['PENDING', null],
        ['AWAITING_PAYMENT', null],
        ['CONFIRMED', null],
        ['SHIPPED', 'every line shipped'],
        ['DELIVERED', 'every shipment delivered'],
      ]);
      const changes = await ofType(orderId, 'OrderStatusChanged');
      expect(changes.slice(3).map((e) => [e.payload.previousStatus, e.payload.status, e.payload.version])).toEqual([
        ['CONFIRMED', 'SHIPPED', 4],
        ['SHIPPED', 'DELIVERED', 5],
      ]);
      expect(changes[3].causationId).toBe(secondParcel.id);
    });

    it('markOrderShipped/markOrderDelivered still work; the whole-order shipment\'s events that follow change nothing', async () => {
      const { orderId, lines } = await confirmedOrder();
      const shipped = await orders.call(`mutation ($id: ID!) { markOrderShipped(id: $id) { order { status version } errors { code } } }`, { id: orderId }, ADMIN);
      expect(shipped.body.data!.markOrderShipped).toEqual({ order: { status: 'SHIPPED', version: 4 }, errors: [] });
      await orders.service.handle(shipment('ShipmentCreated', orderId, lines, { shipped: true, delivered: false }));
      const delivered = await orders.call(`mutation ($id: ID!) { markOrderDelivered(id: $id) { order { status version } errors { code } } }`, { id: orderId }, ADMIN);
      expect(delivered.body.data!.markOrderDelivered).toEqual({ order: { status: 'DELIVERED', version: 5 }, errors: [] });
      await orders.service.handle(shipment('ShipmentStatusChanged', orderId, lines, { shipped: true, delivered: true }));
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'DELIVERED', version: 5 });
    });

    it('ignores shipment events of orders it does not know and of cancelled orders', async () => {
      await expect(orders.service.handle(shipment('ShipmentCreated', randomUUID(), [{ productId: 'p', quantity: 1 }], { shipped: true, delivered: false }))).resolves.toBeUndefined();
      const { orderId, lines, viewer } = await confirmedOrder();
      await orders.call(`mutation ($id: ID!) { cancelOrder(id: $id) { order { status } } }`, { id: orderId }, viewer);
      await orders.service.handle(shipment('ShipmentCreated', orderId, lines, { shipped: true, delivered: false }));
      expect((await orders.orderRow(orderId))!.status).toBe('CANCELLED');
    });
  });

  describe('returns', () => {
    it('request → approve → receive: refund computed with the line\'s discount and tax, RestockReturn + RefundPayment(returnId) in the outbox; PaymentRefunded → REFUNDED once', async () => {
      const { orderId, products, viewer } = await deliveredOrder();
      // The second line carried a 250 discount and 180 tax at checkout (prices exclude tax).
      await orders.sql('UPDATE order_items SET discount = 250, tax = 180 WHERE order_id = $1 AND product_id = $2', [orderId, products[1]]);

      const requested = await orders.call(REQUEST, { input: { orderId, lines: [{ productId: products[1], quantity: 1 }], reason: ' Arrived broken ' } }, viewer);
      expect(requested.body.errors).toBeUndefined();
      const ret = requested.body.data!.requestReturn.return;
      expect(requested.body.data!.requestReturn.errors).toEqual([]);
      expect(ret).toMatchObject({ status: 'REQUESTED', reason: 'Arrived broken', refundAmount: null, rejectionReason: null, order: { id: orderId } });
      expect(ret.lines).toEqual([{ product: { id: products[1] }, variant: { id: products[1] }, quantity: 1 }]);

      // Only an ADMIN decides.
      const byCustomer = await orders.call(APPROVE, { id: ret.id }, viewer);
      expect(byCustomer.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      // Receiving before approval is a CONFLICT.
      expect((await orders.call(RECEIVE, { id: ret.id }, ADMIN)).body.data!.receiveReturn.errors).toEqual([
        { code: 'CONFLICT', message: 'A return that is REQUESTED cannot become RECEIVED', field: ['id'] },
      ]);
      expect((await orders.call(APPROVE, { id: ret.id }, ADMIN)).body.data!.approveReturn.return.status).toBe('APPROVED');

      const received = (await orders.call(RECEIVE, { id: ret.id }, ADMIN)).body.data!.receiveReturn;
      expect(received.errors).toEqual([]);
      expect(received.return).toMatchObject({ status: 'RECEIVED', refundAmount: { amount: 2500 - 250 + 180, currency: 'USD' } });

      const [restock] = await ofType(orderId, 'RestockReturn');
      expect(restock.payload).toEqual({ returnId: ret.id, orderId, lines: [{ productId: products[1], quantity: 1 }] });
      const refunds = await ofType(orderId, 'RefundPayment');
      expect(refunds.map((e) => e.payload)).toEqual([{ orderId, amount: 2430, returnId: ret.id }]);
      // Receiving again changes nothing and sends nothing.
      expect((await orders.call(RECEIVE, { id: ret.id }, ADMIN)).body.data!.receiveReturn.errors[0].code).toBe('CONFLICT');
      expect(await ofType(orderId, 'RestockReturn')).toHaveLength(1);

      // The replies, each delivered twice.
      const restocked = createEvent('ReturnRestocked', orderId, { returnId: ret.id, orderId }, { source: 'inventory' });
      const refunded = createEvent('PaymentRefunded', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 2430, currency: 'USD' }, returnId: ret.id }, { source: 'payments' });
      for (const event of [restocked, restocked, refunded, refunded]) await orders.service.handle(event);
      const [row] = await orders.sql('SELECT status, restocked_at IS NOT NULL AS restocked, refunded_at IS NOT NULL AS refunded FROM returns WHERE id = $1', [ret.id]);
      expect(row).toEqual({ status: 'REFUNDED', restocked: true, refunded: true });
      const updates = await ofType(orderId, 'ReturnUpdated');
      expect(updates.map((e) => [e.payload.previousStatus, e.payload.status])).toEqual([
        [null, 'REQUESTED'],
        ['REQUESTED', 'APPROVED'],
        ['APPROVED', 'RECEIVED'],
        ['RECEIVED', 'REFUNDED'],
      ]);
      expect(updates[3].payload).toMatchObject({ customerId: viewer.id, refundAmount: { amount: 2430, currency: 'USD' } });

      // The order shows it; a refund of a cancelled order (no returnId) is not about a return.
      await orders.service.handle(createEvent('PaymentRefunded', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 1, currency: 'USD' } }, { source: 'payments' }));
      expect((await orders.call(ORDER_RETURNS, { id: orderId }, viewer)).body.data!.order.returns).toEqual([{ id: ret.id, status: 'REFUNDED', refundAmount: { amount: 2430 } }]);
    });

    it('refuses what cannot be returned: not delivered, more than bought, the same line again, past 30 days; a rejected return frees its lines', async () => {
      const confirmed = await confirmedOrder();
      const notYet = await orders.call(REQUEST, { input: { orderId: confirmed.orderId, lines: [{ productId: confirmed.products[0], quantity: 1 }], reason: 'x' } }, confirmed.viewer);
      expect(notYet.body.data!.requestReturn).toEqual({
        return: null,
        errors: [{ code: 'RETURN_NOT_ALLOWED', message: 'Only a delivered order can be returned; this one is CONFIRMED', field: ['input', 'orderId'] }],
      });

      const { orderId, products, viewer } = await deliveredOrder();
      const ask = (lines: { productId: string; quantity: number }[]) => orders.call(REQUEST, { input: { orderId, lines, reason: 'changed my mind' } }, viewer);
      expect((await ask([{ productId: products[0], quantity: 3 }])).body.data!.requestReturn.errors).toEqual([
        { code: 'RETURN_NOT_ALLOWED', message: 'At most 2 of this line can still be returned (bought 2)', field: ['input', 'lines', '0', 'quantity'] },
      ]);
      const first = (await ask([{ productId: products[0], quantity: 2 }])).body.data!.requestReturn.return;
      expect(first.status).toBe('REQUESTED');
      expect((await ask([{ productId: products[0], quantity: 1 }])).body.data!.requestReturn.errors[0]).toMatchObject({
        code: 'RETURN_NOT_ALLOWED',
        message: 'Every unit of this line is already returned (or asked to be)',
      });
      // Rejected: the reason is shown, and the line can be asked for again.
      const rejected = (await orders.call(REJECT, { id: first.id, reason: 'Worn' }, ADMIN)).body.data!.rejectReturn.return;
      expect(rejected).toMatchObject({ status: 'REJECTED', rejectionReason: 'Worn' });
      expect((await ask([{ productId: products[0], quantity: 1 }])).body.data!.requestReturn.return.status).toBe('REQUESTED');
      expect((await orders.call(REJECT, { id: first.id, reason: '  ' }, ADMIN)).body.data!.rejectReturn.errors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['reason'] });

      // 31 days after delivery the window is closed.
      await orders.sql(`UPDATE order_status_history SET at = now() - interval '31 days' WHERE order_id = $1 AND status = 'DELIVERED'`, [orderId]);
      expect((await ask([{ productId: products[2], quantity: 1 }])).body.data!.requestReturn.errors[0]).toMatchObject({ code: 'RETURN_NOT_ALLOWED', field: ['input', 'orderId'] });
    });

    it('only the owner asks (another customer FORBIDDEN, anonymous UNAUTHENTICATED); bad ids and input are user errors without driver text', async () => {
      const { orderId, products, viewer } = await deliveredOrder();
      const input = { orderId, lines: [{ productId: products[0], quantity: 1 }], reason: 'r' };
      const stranger = await orders.call(REQUEST, { input }, customer());
      expect(stranger.body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect((await orders.call(REQUEST, { input }, null)).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');

      for (const badId of ['not-a-uuid', "'; DROP TABLE returns; --", randomUUID()]) {
        const res = await orders.call(REQUEST, { input: { ...input, orderId: badId } }, viewer);
        expect(res.body.data!.requestReturn.errors).toEqual([{ code: 'NOT_FOUND', message: 'No order with this id', field: ['input', 'orderId'] }]);
        for (const mutation of [APPROVE, RECEIVE]) {
          const r = await orders.call(mutation, { id: badId }, ADMIN);
          expect(JSON.stringify(r.body)).toContain('"code":"NOT_FOUND"');
          expect(r.text).not.toMatch(/syntax|uuid|postgres|QueryFailed/i);
        }
      }
      const zero = await orders.call(REQUEST, { input: { ...input, lines: [{ productId: products[0], quantity: 0 }] } }, viewer);
      expect(zero.body.data!.requestReturn.errors).toEqual([{ code: 'INVALID_INPUT', message: 'quantity must be a whole number of at least 1', field: ['input', 'lines', '0', 'quantity'] }]);
      const huge = await orders.call(REQUEST, { input: { ...input, lines: [{ productId: products[0], quantity: 2 ** 31 - 1 }] } }, viewer);
      expect(huge.body.data!.requestReturn.errors[0].code).toBe('RETURN_NOT_ALLOWED');
      // A NUL byte never reaches the resolver (the kit refuses it for every string argument).
      const control = await orders.call(REQUEST, { input: { ...input, reason: 'a\u0000b' } }, viewer);
      expect(control.body.errors![0].extensions).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'reason'] });
      const long = await orders.call(REQUEST, { input: { ...input, reason: 'x'.repeat(1001) } }, viewer);
      expect(long.body.data!.requestReturn.errors).toEqual([{ code: 'INVALID_INPUT', message: 'The reason must be at most 1000 characters', field: ['input', 'reason'] }]);
    });

    it('the whole order back refunds its total; returns list for ADMIN only, newest first, by status, paged; Return references for the owner', async () => {
      const { orderId, products, viewer, total } = await deliveredOrder();
      const ids: string[] = [];
      for (const [i, quantity] of [2, 1, 3].entries()) {
        const r = await orders.call(REQUEST, { input: { orderId, lines: [{ productId: products[i], quantity }], reason: 'all back' } }, viewer);
        ids.push(r.body.data!.requestReturn.return.id);
      }
      const amounts: number[] = [];
      for (const id of ids) {
        await orders.call(APPROVE, { id }, ADMIN);
        amounts.push((await orders.call(RECEIVE, { id }, ADMIN)).body.data!.receiveReturn.return.refundAmount.amount);
      }
      expect(amounts).toEqual([2000, 2500, 2100]);
      expect(amounts.reduce((s, a) => s + a, 0)).toBe(total);

      const page1 = (await orders.call(RETURNS, { status: 'RECEIVED', first: 2 }, ADMIN)).body.data!.returns;
      expect(page1.totalCount).toBeGreaterThanOrEqual(3);
      expect(page1.edges.map((e: any) => e.node.id)).toEqual([ids[2], ids[1]]);
      expect(page1.pageInfo.hasNextPage).toBe(true);
      const page2 = (await orders.call(RETURNS, { status: 'RECEIVED', first: 1, after: page1.pageInfo.endCursor }, ADMIN)).body.data!.returns;
      expect(page2.edges.map((e: any) => e.node.id)).toEqual([ids[0]]);
      expect((await orders.call(RETURNS, {}, viewer)).body.errors![0].extensions!.code).toBe('FORBIDDEN');
      expect((await orders.call(RETURNS, { after: 'forged' }, ADMIN)).body.errors![0].extensions!.code).toBe('BAD_USER_INPUT');

      const ref = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Return { id status order { id } } } }`;
      const representations = [{ __typename: 'Return', id: ids[0] }];
      expect((await orders.call(ref, { r: representations }, viewer)).body.data!._entities).toEqual([{ id: ids[0], status: 'RECEIVED', order: { id: orderId } }]);
      const other = await orders.call(ref, { r: representations }, customer());
      expect(other.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    });
  });
});
