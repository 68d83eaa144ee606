import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import type { Viewer } from '@shopgraph/kit';
import { OrderStore } from '../src/stores/order.store';
import { address, admin, customer, PLACE_ORDER, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

const CANCEL = `mutation ($id: ID!) { cancelOrder(id: $id) { order { id status cancellationReason version } errors { code message field } } }`;
const SHIP = `mutation ($id: ID!) { markOrderShipped(id: $id) { order { status version } errors { code message } } }`;
const DELIVER = `mutation ($id: ID!) { markOrderDelivered(id: $id) { order { status version } errors { code message } } }`;
const ORDER = `query ($id: ID!) { order(id: $id) { id status version history { status reason } } }`;
const USER_ORDERS = `query ($reps: [_Any!]!, $first: Int, $after: String) {
  _entities(representations: $reps) { ... on User { id orders(first: $first, after: $after) { totalCount edges { cursor node { id number } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }
}`;
const ALL_ORDERS = `query ($filter: OrderFilter, $first: Int, $after: String) {
  orders(filter: $filter, first: $first, after: $after) { totalCount edges { node { id status customer { id } } } pageInfo { hasNextPage endCursor } }
}`;

describe('order access, cancellation and fulfilment', () => {
  let orders: TestOrdersSubgraph;
  let productId: string;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    productId = await orders.givenProduct({ price: { amount: 1000, currency: 'USD' } });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  const place = async (viewer: Viewer): Promise<string> => {
    const res = await orders.call(
      PLACE_ORDER,
      { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity: 1 }], shippingAddress: address, paymentToken: 'tok_visa' } },
      viewer,
    );
    return res.body.data!.placeOrder.order.id;
  };
  const confirm = async (orderId: string) => {
    await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines: [{ productId, quantity: 1 }] }, { source: 'inventory' }));
    await orders.service.handle(
      createEvent('PaymentCaptured', orderId, { orderId, paymentId: randomUUID(), amount: { amount: 1000, currency: 'USD' } }, { source: 'payments' }),
    );
  };
  const outboxTypes = async (orderId: string) =>
    (await orders.sql<{ type: string }>(`SELECT envelope->>'type' AS type FROM outbox WHERE key = $1 ORDER BY seq`, [orderId])).map((r) => r.type);

  it('lets the owner cancel a PENDING order (CUSTOMER_REQUEST + ReleaseStock), others are FORBIDDEN', async () => {
    const me = customer();
    const orderId = await place(me);
    const stranger = await orders.call(CANCEL, { id: orderId }, customer());
    expect(stranger.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await orders.call(CANCEL, { id: orderId }, null)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');

    const res = (await orders.call(CANCEL, { id: orderId }, me)).body.data!.cancelOrder;
    expect(res).toEqual({ order: { id: orderId, status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST', version: 2 }, errors: [] });
    expect(await outboxTypes(orderId)).toEqual(['ReserveStock', 'OrderStatusChanged', 'ReleaseStock', 'OrderStatusChanged']);

    const again = (await orders.call(CANCEL, { id: orderId }, me)).body.data!.cancelOrder;
    expect(again.errors).toEqual([expect.objectContaining({ code: 'ORDER_NOT_CANCELLABLE' })]);
  });

  it('lets an ADMIN cancel a CONFIRMED order: reason ADMIN, refund and release', async () => {
    const orderId = await place(customer());
    await confirm(orderId);
    const res = (await orders.call(CANCEL, { id: orderId }, admin())).body.data!.cancelOrder;
    expect(res.order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'ADMIN', version: 4 });
    expect((await outboxTypes(orderId)).slice(-3)).toEqual(['RefundPayment', 'ReleaseStock', 'OrderStatusChanged']);
  });

  it('reports unknown and malformed ids as NOT_FOUND in errors', async () => {
    for (const id of [randomUUID(), 'not-an-id']) {
      expect((await orders.call(CANCEL, { id }, customer())).body.data!.cancelOrder).toEqual({
        order: null,
        errors: [expect.objectContaining({ code: 'NOT_FOUND', field: ['id'] })],
      });
      expect((await orders.call(SHIP, { id }, admin())).body.data!.markOrderShipped.errors[0].code).toBe('NOT_FOUND');
    }
  });

  it('ships and delivers CONFIRMED orders (ADMIN only); after shipping nobody can cancel', async () => {
    const me = customer();
    const boss = admin();
    const orderId = await place(me);

    expect((await orders.call(SHIP, { id: orderId }, boss)).body.data!.markOrderShipped.errors).toEqual([
      expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining('CONFIRMED') }),
    ]);
    await confirm(orderId);
    expect((await orders.call(SHIP, { id: orderId }, me)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await orders.call(DELIVER, { id: orderId }, boss)).body.data!.markOrderDelivered.errors[0].code).toBe('CONFLICT');

    expect((await orders.call(SHIP, { id: orderId }, boss)).body.data!.markOrderShipped).toEqual({ order: { status: 'SHIPPED', version: 4 }, errors: [] });
    expect((await orders.call(CANCEL, { id: orderId }, me)).body.data!.cancelOrder.errors[0].code).toBe('ORDER_NOT_CANCELLABLE');
    expect((await orders.call(CANCEL, { id: orderId }, boss)).body.data!.cancelOrder.errors[0].code).toBe('ORDER_NOT_CANCELLABLE');
    expect((await orders.call(SHIP, { id: orderId }, boss)).body.data!.markOrderShipped.errors[0].code).toBe('CONFLICT');
    expect((await orders.call(DELIVER, { id: orderId }, boss)).body.data!.markOrderDelivered).toEqual({ order: { status: 'DELIVERED', version: 5 }, errors: [] });

    const order = (await orders.call(ORDER, { id: orderId }, me)).body.data!.order;
    expect(order).toEqual({
      id: orderId,
      status: 'DELIVERED',
      version: 5,
      history: [
        { status: 'PENDING', reason: null },
        { status: 'AWAITING_PAYMENT', reason: null },
        { status: 'CONFIRMED', reason: null },
        { status: 'SHIPPED', reason: null },
        { status: 'DELIVERED', reason: null },
      ],
    });
    const versions = await orders.sql<{ version: number }>('SELECT version FROM order_status_history WHERE order_id = $1 ORDER BY at, version', [orderId]);
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    const changes = await orders.sql<{ v: number }>(`SELECT (envelope->'payload'->>'version')::int AS v FROM outbox WHERE key = $1 AND envelope->>'type' = 'OrderStatusChanged' ORDER BY seq`, [
      orderId,
    ]);
    expect(changes.map((c) => c.v)).toEqual([1, 2, 3, 4, 5]);
  });

  it('shows an order to its owner and ADMINs only; unknown ids are null', async () => {
    const me = customer();
    const orderId = await place(me);
    expect((await orders.call(ORDER, { id: orderId }, me)).body.data!.order.id).toBe(orderId);
    expect((await orders.call(ORDER, { id: orderId }, admin())).body.data!.order.id).toBe(orderId);
    expect((await orders.call(ORDER, { id: orderId }, customer())).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await orders.call(ORDER, { id: orderId }, null)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await orders.call(ORDER, { id: randomUUID() }, me)).body).toEqual({ data: { order: null } });
    expect((await orders.call(ORDER, { id: 'nope' }, me)).body).toEqual({ data: { order: null } });
  });

  it('pages User.orders newest first for the user or an ADMIN, batched for several users', async () => {
    const [a, b] = [customer(), customer()];
    const aOrders = [];
    for (let i = 0; i < 3; i++) aOrders.push(await place(a));
    const bOrder = await place(b);

    const mine = await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: a.id }], first: 2 }, a);
    const page1 = mine.body.data!._entities[0].orders;
    expect(page1).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true, hasPreviousPage: false } });
    expect(page1.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([aOrders[2], aOrders[1]]);
    const page2 = (await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: a.id }], first: 2, after: page1.pageInfo.endCursor }, a)).body.data!._entities[0]
      .orders;
    expect(page2).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: false, hasPreviousPage: true } });
    expect(page2.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([aOrders[0]]);

    const forbidden = await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: a.id }] }, b);
    expect(forbidden.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const pages = jest.spyOn(OrderStore.prototype, 'pagesOfCustomers');
    const both = await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: a.id }, { __typename: 'User', id: b.id }] }, admin());
    const [ea, eb] = both.body.data!._entities;
    expect(ea.orders.totalCount).toBe(3);
    expect(eb.orders.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([bOrder]);
    // Both users' pages come from one batched store call (one ranked query, one load, one count).
    expect(pages).toHaveBeenCalledTimes(1);
    expect(pages.mock.calls[0][0]).toEqual([a.id, b.id]);
    pages.mockRestore();

    const bad = await orders.call(USER_ORDERS, { reps: [{ __typename: 'User', id: a.id }], after: 'forged' }, a);
    expect(bad.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('lists every order to ADMINs, filtered by status and customer', async () => {
    const me = customer();
    const cancelled = await place(me);
    await orders.call(CANCEL, { id: cancelled }, me);
    const pending = await place(me);

    expect((await orders.call(ALL_ORDERS, {}, me)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const mine = (await orders.call(ALL_ORDERS, { filter: { customerId: me.id } }, admin())).body.data!.orders;
    expect(mine.totalCount).toBe(2);
    expect(mine.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual([pending, cancelled]);
    const onlyCancelled = (await orders.call(ALL_ORDERS, { filter: { customerId: me.id, status: 'CANCELLED' } }, admin())).body.data!.orders;
    expect(onlyCancelled.edges).toEqual([{ node: { id: cancelled, status: 'CANCELLED', customer: { id: me.id } } }]);

    const all = (await orders.call(ALL_ORDERS, { first: 1 }, admin())).body.data!.orders;
    expect(all.totalCount).toBeGreaterThanOrEqual(2);
    expect(all.pageInfo.hasNextPage).toBe(true);
    const next = (await orders.call(ALL_ORDERS, { first: 100, after: all.pageInfo.endCursor }, admin())).body.data!.orders;
    expect(next.edges).toHaveLength(all.totalCount - 1);
    expect((await orders.call(ALL_ORDERS, { first: 101 }, admin())).body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves Order references in one query per batch', async () => {
    const me = customer();
    const ids = [await place(me), await place(me), await place(me)];
    // The spies hear the whole process, and the saga of the orders just placed may still be reading
    // them in the background: count the request's own calls, known by the id nobody else asks for.
    const unknown = randomUUID();
    const load = jest.spyOn(OrderStore.prototype, 'findByIds');
    const items = jest.spyOn(OrderStore.prototype, 'itemsOf');
    const res = await orders.call(
      `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id number items { quantity } } } }`,
      { reps: [...ids, unknown].map((id) => ({ __typename: 'Order', id })) },
      admin(),
    );
    expect(res.body.data!._entities.map((e: { id: string } | null) => e?.id ?? null)).toEqual([...ids, null]);
    // One query for the whole batch: the only lookup carrying the unknown id carries every id.
    const lookups = load.mock.calls.filter(([batch]) => batch.includes(unknown));
    expect(lookups).toHaveLength(1);
    expect([...lookups[0][0]].sort()).toEqual([...ids, unknown].sort());
    // The found orders' lines in one query too (a per-order read would ask for each id alone).
    const lineReads = items.mock.calls.filter(([batch]) => batch.some((id: string) => ids.includes(id)));
    expect(lineReads.filter(([batch]) => batch.length > 1)).toEqual([[ids]]);
    load.mockRestore();
    items.mockRestore();
  });

  it('exposes saga metrics and the outbox backlog', async () => {
    const me = customer();
    await confirm(await place(me));
    await orders.call(CANCEL, { id: await place(me) }, me);
    const text = await (await fetch(orders.url.replace('/graphql', '/metrics'))).text();
    expect(text).toMatch(/orders_saga_step_duration_seconds_count\{[^}]*from="PENDING",to="AWAITING_PAYMENT"[^}]*\} [1-9]/);
    expect(text).toMatch(/orders_saga_duration_seconds_count\{[^}]*status="CONFIRMED"[^}]*\} [1-9]/);
    expect(text).toMatch(/orders_final_status_total\{[^}]*status="CANCELLED",reason="CUSTOMER_REQUEST"[^}]*\} [1-9]/);
    expect(text).toMatch(/outbox_backlog\{service="orders"\} \d+/);
    expect(text).toMatch(/orders_placed_total\{service="orders"\} [1-9]/);
    expect(text).toMatch(/store_queries_total\{[^}]*store="postgres"[^}]*\} [1-9]/);
  });
});

