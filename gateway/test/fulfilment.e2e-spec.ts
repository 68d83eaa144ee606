import { randomUUID } from 'node:crypto';
import { gql, uniqueId, type GraphQLResponse } from '@shopgraph/testkit';
import { startShop, waitUntilOrderable, type Shop } from './fixtures/shop';
import { addShipping } from './fixtures/shipping';
import { startKafkaTap, type KafkaTap } from './fixtures/kafka-tap';

// Fulfilment and returns end to end (issue 15, api-next/fulfilment.graphql): the whole shop on the
// real stack (saga on, payment sandbox), the shipping subgraph, and a gateway routing to it. A
// three-line order ships in two parcels and becomes SHIPPED only with the second (shipping.v1 →
// orders), DELIVERED when both are delivered; a return of one line restocks exactly that quantity
// (RestockReturn → inventory) and refunds exactly its amount at the sandbox (RefundPayment →
// payments), REFUNDED when payments answers; both commands delivered again change nothing; a second
// return of the same line is refused; inventory and payments killed while a return is received
// pick its commands up when they are back, and restock and refund once.

jest.setTimeout(300_000);

let shop: Shop;
let tap: KafkaTap;
let gatewayUrl: string;
let admin: string;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  // inventory and payments as child processes, so the last case can SIGKILL them mid-return.
  shop = await startShop({ saga: true, processes: ['inventory', 'payments'] });
  tap = await startKafkaTap(shop.topicPrefix);
  cleanups.push(() => tap.stop());
  const withShipping = await addShipping(shop, 'fulfilment');
  cleanups.unshift(withShipping.stop);
  gatewayUrl = withShipping.gatewayUrl;
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
}, 300_000);

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await shop?.stop();
});

const call = (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ok(res: GraphQLResponse, what: string): Record<string, any> {
  if (res.body.errors || !res.body.data) throw new Error(`${what} failed: ${res.text.slice(0, 800)}`);
  return res.body.data;
}

/** Polls `read` until it returns something other than undefined (deadline: `ms`). */
async function until<T>(what: string, read: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function newProduct(price: number): Promise<string> {
  const sku = uniqueId('FF').toUpperCase();
  const created = ok(
    await call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }',
      { input: { sku, name: `Fulfilment test ${sku}`, description: 'A product of the fulfilment test', categorySlug: 'books', price, initialStock: 50 } },
      admin,
    ),
    'createProduct',
  ).createProduct;
  if (created.errors.length > 0) throw new Error(`createProduct: ${JSON.stringify(created.errors)}`);
  await waitUntilOrderable(shop, admin, created.product.id);
  return created.product.id;
}

const ORDER = `query($id: ID!) {
  order(id: $id) {
    id status total { amount } history { status reason at }
    shipments { id status shippedAt deliveredAt lines { product { id } quantity } }
    returns { id status refundAmount { amount currency } lines { product { id } quantity } }
    payment { status amount { amount } refundedAmount { amount } }
  }
}`;
const CREATE_SHIPMENT =
  'mutation($input: CreateShipmentInput!) { createShipment(input: $input) { shipment { id status shippedAt lines { product { id } quantity } } errors { code message } } }';
const MOVE_SHIPMENT = 'mutation($id: ID!, $s: ShipmentStatus!) { updateShipmentStatus(id: $id, status: $s) { shipment { status deliveredAt } errors { code message } } }';
const RETURN_FIELDS = 'id status reason refundAmount { amount currency } lines { product { id } quantity } order { id }';

describe('fulfilment and returns through the gateway', () => {
  let buyer: string;
  let orderId: string;
  let products: string[];
  let chargeId: string;

  const order = async (token = buyer) => ok(await call(ORDER, { id: orderId }, token), 'order').order;
  const onHand = async (productId: string): Promise<number> =>
    ok(await call('query($id: ID!) { product(id: $id) { stock { onHand } } }', { id: productId }, admin), 'product').product.stock.onHand;

  it('a three-line order ships in two parcels: SHIPPED only with the second, DELIVERED once both are delivered', async () => {
    products = [await newProduct(2000), await newProduct(500), await newProduct(300)];
    buyer = ok(
      await call('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }', {
        i: { email: `${uniqueId('fulfilment')}@example.com`, password: 'Buyer123!secret', name: 'Fay Fulfil' },
      }),
      'register',
    ).register.accessToken;
    const placed = ok(
      await call(
        'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code message } } }',
        {
          input: {
            idempotencyKey: randomUUID(),
            items: [
              { productId: products[0], quantity: 1 },
              { productId: products[1], quantity: 2 },
              { productId: products[2], quantity: 1 },
            ],
            shippingAddress: { recipient: 'Fay Fulfil', line1: '1 Test Street', city: 'Anytown', postalCode: '12345', country: 'US' },
            paymentToken: 'tok_visa',
          },
        },
        buyer,
      ),
      'placeOrder',
    ).placeOrder;
    expect(placed.errors).toEqual([]);
    orderId = placed.order.id;
    await until('the saga to confirm the order', async () => ((await order()).status === 'CONFIRMED' ? true : undefined));

    // Parcel one: the first two lines (shipping hears of the confirmed order on orders.v1).
    const first = await until('shipping to accept the first parcel', async () => {
      const r = ok(
        await call(
          CREATE_SHIPMENT,
          { input: { orderId, carrier: 'UPS', trackingNumber: '1Z1', lines: [{ productId: products[0], quantity: 1 }, { productId: products[1], quantity: 2 }] } },
          admin,
        ),
        'createShipment',
      ).createShipment;
      return r.shipment ?? undefined;
    });
    // Parcel two: everything left (the third line).
    const second = ok(await call(CREATE_SHIPMENT, { input: { orderId, carrier: 'DHL', trackingNumber: 'JD2' } }, admin), 'createShipment').createShipment.shipment;
    expect(second.lines).toEqual([{ product: { id: products[2] }, quantity: 1 }]);

    const shipped = await until('the order to become SHIPPED', async () => {
      const o = await order();
      return o.status === 'SHIPPED' ? o : undefined;
    });
    const shippedEntries = shipped.history.filter((h: any) => h.status === 'SHIPPED');
    expect(shippedEntries).toHaveLength(1);
    expect(shippedEntries[0].reason).toBe('every line shipped');
    // It moved with the second parcel: after the second was created, never on the first.
    expect(Date.parse(shippedEntries[0].at)).toBeGreaterThanOrEqual(Date.parse(second.shippedAt));
    expect(shipped.shipments.map((s: any) => s.id)).toEqual([first.id, second.id]);
    // One OrderStatusChanged per step for the live subscribers, in version order.
    await until('OrderStatusChanged SHIPPED on orders.v1', async () => tap.of('OrderStatusChanged', orderId).find((m) => m.envelope.payload.status === 'SHIPPED'));

    // The first parcel delivered: still SHIPPED (the second is on its way).
    ok(await call(MOVE_SHIPMENT, { id: first.id, s: 'DELIVERED' }, admin), 'updateShipmentStatus');
    const lastDelivered = ok(await call(MOVE_SHIPMENT, { id: second.id, s: 'DELIVERED' }, admin), 'updateShipmentStatus').updateShipmentStatus.shipment;
    const delivered = await until('the order to become DELIVERED', async () => {
      const o = await order();
      return o.status === 'DELIVERED' ? o : undefined;
    });
    const deliveredEntries = delivered.history.filter((h: any) => h.status === 'DELIVERED');
    expect(deliveredEntries).toHaveLength(1);
    expect(Date.parse(deliveredEntries[0].at)).toBeGreaterThanOrEqual(Date.parse(lastDelivered.deliveredAt));
    expect(delivered.history.map((h: any) => h.status)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
    expect(delivered.shipments.map((s: any) => s.status)).toEqual(['DELIVERED', 'DELIVERED']);
    await until('DELIVERED on orders.v1', async () => (tap.of('OrderStatusChanged', orderId).length >= 5 ? true : undefined));
    expect(tap.of('OrderStatusChanged', orderId).map((m) => [m.envelope.payload.status, m.envelope.payload.version])).toEqual([
      ['PENDING', 1],
      ['AWAITING_PAYMENT', 2],
      ['CONFIRMED', 3],
      ['SHIPPED', 4],
      ['DELIVERED', 5],
    ]);
  });

  it('a return of one line restocks exactly that quantity and refunds exactly its amount once, even with both commands delivered again', async () => {
    const [charge] = shop.sandbox.charges().filter((c) => c.metadata.order_id === orderId);
    chargeId = charge.id;
    const stockBefore = await onHand(products[1]);

    const requested = ok(
      await call(
        `mutation($input: RequestReturnInput!) { requestReturn(input: $input) { return { ${RETURN_FIELDS} } errors { code message field } } }`,
        { input: { orderId, lines: [{ productId: products[1], quantity: 1 }], reason: 'One too many' } },
        buyer,
      ),
      'requestReturn',
    ).requestReturn;
    expect(requested.errors).toEqual([]);
    const returnId = requested.return.id;
    expect(requested.return).toMatchObject({ status: 'REQUESTED', refundAmount: null, lines: [{ product: { id: products[1] }, quantity: 1 }], order: { id: orderId } });

    // The customer cannot approve; the ADMIN approves and receives.
    const denied = await call('mutation($id: ID!) { approveReturn(id: $id) { errors { code } } }', { id: returnId }, buyer);
    expect(denied.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(ok(await call('mutation($id: ID!) { approveReturn(id: $id) { return { status } errors { code } } }', { id: returnId }, admin), 'approve').approveReturn).toEqual({
      return: { status: 'APPROVED' },
      errors: [],
    });
    const received = ok(await call(`mutation($id: ID!) { receiveReturn(id: $id) { return { ${RETURN_FIELDS} } errors { code } } }`, { id: returnId }, admin), 'receive')
      .receiveReturn;
    // No discounts or tax on this order: one unit of a 2 × 500 line refunds 500 (shipping stays paid).
    expect(received.return).toMatchObject({ status: 'RECEIVED', refundAmount: { amount: 500, currency: 'USD' } });

    const refunded = await until('the return to become REFUNDED', async () => {
      const o = await order();
      return o.returns[0]?.status === 'REFUNDED' ? o : undefined;
    });
    expect(refunded.returns).toEqual([{ id: returnId, status: 'REFUNDED', refundAmount: { amount: 500, currency: 'USD' }, lines: [{ product: { id: products[1] }, quantity: 1 }] }]);
    expect(refunded.payment).toEqual({ status: 'CAPTURED', amount: { amount: refunded.total.amount }, refundedAmount: { amount: 500 } });
    await until('the restock', async () => ((await onHand(products[1])) === stockBefore + 1 ? true : undefined));

    // Both commands delivered again, same envelopes, to the services that consumed them: nothing changes.
    const groups = {
      inventory: shop.namespace.group(shop.services.inventory!.env.KAFKA_GROUP_ID),
      payments: shop.namespace.group(shop.services.payments!.env.KAFKA_GROUP_ID),
    };
    // The tap is a consumer of its own: it may see the commands after the services acted on them.
    const restock = await tap.waitFor((m) => m.envelope.type === 'RestockReturn' && m.envelope.aggregateId === orderId);
    const refund = await tap.waitFor((m) => m.envelope.type === 'RefundPayment' && m.envelope.aggregateId === orderId);
    expect(restock.envelope.payload).toEqual({ returnId, orderId, lines: [{ productId: products[1], quantity: 1 }] });
    expect(refund.envelope.payload).toEqual({ orderId, amount: 500, returnId });
    for (const [group, message] of [[groups.inventory, restock], [groups.payments, refund]] as const) {
      const at = await tap.redeliver(message.topic, message.envelope);
      await tap.consumedPast(group, message.topic, at.partition, at.offset);
    }
    // And once more as NEW commands (a different envelope id, as a re-sending saga would): still once.
    for (const [group, message] of [[groups.inventory, restock], [groups.payments, refund]] as const) {
      const at = await tap.redeliver(message.topic, { ...message.envelope, id: randomUUID() });
      await tap.consumedPast(group, message.topic, at.partition, at.offset);
    }
    await until('payments to answer the re-sent refund', async () => (tap.of('PaymentRefunded', orderId).length >= 2 ? true : undefined));
    expect(await onHand(products[1])).toBe(stockBefore + 1);
    expect(shop.sandbox.refunds().filter((r) => r.charge === chargeId).map((r) => r.amount)).toEqual([500]);
    const after = await order();
    expect(after.payment.refundedAmount).toEqual({ amount: 500 });
    expect(after.returns.map((r: any) => r.status)).toEqual(['REFUNDED']);
  });

  it('a second return of the same line is refused; the rest of the order can still come back', async () => {
    const ask = async (lines: { productId: string; quantity: number }[]) =>
      ok(
        await call(
          'mutation($input: RequestReturnInput!) { requestReturn(input: $input) { return { id status } errors { code message field } } }',
          { input: { orderId, lines, reason: 'Again' } },
          buyer,
        ),
        'requestReturn',
      ).requestReturn;
    const again = await ask([{ productId: products[1], quantity: 2 }]);
    expect(again.return).toBeNull();
    expect(again.errors).toEqual([
      { code: 'RETURN_NOT_ALLOWED', message: 'At most 1 of this line can still be returned (bought 2)', field: ['input', 'lines', '0', 'quantity'] },
    ]);
    expect((await ask([{ productId: products[0], quantity: 1 }])).return.status).toBe('REQUESTED');
    // Only an ADMIN lists returns.
    const listed = ok(await call('{ returns(first: 10) { totalCount edges { node { id status order { id } } } } }', {}, admin), 'returns').returns;
    expect(listed.totalCount).toBe(2);
    expect(listed.edges.map((e: any) => e.node.status)).toEqual(['REQUESTED', 'REFUNDED']);
    expect((await call('{ returns { totalCount } }', {}, buyer)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
  it('inventory and payments killed while a return is received: back up, they restock and refund it once', async () => {
    const [pending] = ok(await call('{ returns(status: REQUESTED) { edges { node { id lines { product { id } quantity } } } } }', {}, admin), 'returns').returns.edges;
    const returnId = pending.node.id;
    expect(pending.node.lines).toEqual([{ product: { id: products[0] }, quantity: 1 }]);
    ok(await call('mutation($id: ID!) { approveReturn(id: $id) { errors { code } } }', { id: returnId }, admin), 'approve');
    const stockBefore = await onHand(products[0]);

    await shop.services.inventory!.kill();
    await shop.services.payments!.kill();
    const received = ok(await call('mutation($id: ID!) { receiveReturn(id: $id) { return { status refundAmount { amount } } errors { code } } }', { id: returnId }, admin), 'receive')
      .receiveReturn;
    // The first line, 1 × 2000, nothing else of the order: 2000.
    expect(received).toEqual({ return: { status: 'RECEIVED', refundAmount: { amount: 2000 } }, errors: [] });
    // The commands are on their topics while nobody consumes them.
    await until('RestockReturn on inventory.commands.v1', async () => tap.of('RestockReturn', orderId).find((m) => m.envelope.payload.returnId === returnId));
    await until('RefundPayment on payments.commands.v1', async () => tap.of('RefundPayment', orderId).find((m) => m.envelope.payload.returnId === returnId));

    await shop.services.inventory!.start();
    await shop.services.payments!.start();
    await until('the return to become REFUNDED', async () => ((await order()).returns.find((r: any) => r.id === returnId)?.status === 'REFUNDED' ? true : undefined), 120_000);
    await until('the restock', async () => ((await onHand(products[0])) === stockBefore + 1 ? true : undefined), 120_000);
    expect(shop.sandbox.refunds().filter((r) => r.charge === chargeId).map((r) => r.amount)).toEqual([500, 2000]);
    const after = await order();
    expect(after.payment).toEqual({ status: 'CAPTURED', amount: { amount: after.total.amount }, refundedAmount: { amount: 2500 } });
  });
});
