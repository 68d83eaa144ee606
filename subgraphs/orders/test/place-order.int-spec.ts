import { randomUUID } from 'node:crypto';
import { address, customer, PLACE_ORDER, startOrdersSubgraph, tapEvents, type EventTap, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }`;
const CART = `{ cart { itemCount items { product { id } quantity } } }`;

describe('placeOrder', () => {
  let orders: TestOrdersSubgraph;
  let tap: EventTap;

  beforeAll(async () => {
    // No saga consumer: these tests look at what placeOrder writes and publishes, not at replies.
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    tap = await tapEvents();
  });
  afterAll(async () => {
    await tap?.stop();
    await orders?.stop();
  });

  const input = (items: { productId: string; quantity: number }[] | null, overrides: Record<string, unknown> = {}) => ({
    idempotencyKey: randomUUID(),
    ...(items ? { items } : {}),
    shippingAddress: address,
    paymentToken: 'tok_visa',
    ...overrides,
  });

  it('writes the order PENDING with snapshots and publishes ReserveStock + OrderStatusChanged', async () => {
    const me = customer();
    const lamp = await orders.givenProduct({ name: 'Desk Lamp', price: { amount: 1999, currency: 'USD' } });
    const bulb = await orders.givenProduct({ name: 'Bulb', price: { amount: 250, currency: 'USD' } });

    const res = await orders.call(
      PLACE_ORDER,
      { input: input([{ productId: lamp, quantity: 2 }, { productId: bulb, quantity: 3 }, { productId: lamp, quantity: 1 }], { shippingAddress: { ...address, country: 'gb', line2: ' ' } }) },
      me,
    );
    const { order, errors } = res.body.data!.placeOrder;
    expect(errors).toEqual([]);
    expect(order).toMatchObject({
      number: expect.stringMatching(/^SG-\d{6}$/),
      status: 'PENDING',
      cancellationReason: null,
      version: 1,
      customer: { id: me.id },
      subtotal: { amount: 3 * 1999 + 3 * 250, currency: 'USD', formatted: '$67.47' },
      total: { amount: 3 * 1999 + 3 * 250, currency: 'USD' },
      shippingAddress: { ...address, country: 'GB', line2: null, region: null },
      history: [{ status: 'PENDING', reason: null, at: order.createdAt }],
    });
    // Lines of one product are merged; names and prices are snapshots from the replica.
    expect(order.items).toEqual(
      expect.arrayContaining([
        { product: { id: lamp }, productName: 'Desk Lamp', unitPrice: { amount: 1999, currency: 'USD' }, quantity: 3, lineTotal: { amount: 5997 } },
        { product: { id: bulb }, productName: 'Bulb', unitPrice: { amount: 250, currency: 'USD' }, quantity: 3, lineTotal: { amount: 750 } },
      ]),
    );

    const reserve = await tap.waitFor('ReserveStock', order.id);
    expect(reserve).toMatchObject({ aggregateId: order.id, source: 'orders' });
    // Per variant: a product without options orders its default variant, whose id is the product's.
    expect(reserve.payload.lines).toEqual(expect.arrayContaining([{ productId: lamp, variantId: lamp, quantity: 3 }, { productId: bulb, variantId: bulb, quantity: 3 }]));
    const changed = await tap.waitFor('OrderStatusChanged', order.id);
    expect(changed.payload).toMatchObject({ orderId: order.id, customerId: me.id, status: 'PENDING', previousStatus: null, reason: null, version: 1 });
    expect(changed.payload.items).toHaveLength(2);

    // A later price change does not touch the order.
    await orders.givenProduct({ productId: lamp, price: { amount: 9999, currency: 'USD' } });
    const [row] = await orders.sql('SELECT subtotal FROM orders WHERE id = $1', [order.id]);
    expect(row.subtotal).toBe(6747);
  });

  it('gives 20 concurrent requests with one idempotency key one order', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    const same = input([{ productId, quantity: 1 }]);

    const results = await Promise.all(Array.from({ length: 20 }, () => orders.call(PLACE_ORDER, { input: same }, me)));

    // Every answer is the one order: no transport error, no payload error (printed in full when not).
    expect(results.flatMap((r) => [...(r.body.errors ?? []), ...(r.body.data?.placeOrder.errors ?? [])])).toEqual([]);
    const ids = new Set(results.map((r) => r.body.data!.placeOrder.order?.id));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids];
    const [count] = await orders.sql('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [me.id]);
    expect(count.n).toBe(1);
    const [outbox] = await orders.sql(`SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND envelope->>'type' = 'ReserveStock'`, [orderId]);
    expect(outbox.n).toBe(1);

    // Later retries too, and another customer may use the same key for their own order.
    expect((await orders.call(PLACE_ORDER, { input: same }, me)).body.data!.placeOrder.order.id).toBe(orderId);
    const theirs = (await orders.call(PLACE_ORDER, { input: same }, customer())).body.data!.placeOrder.order.id;
    expect(theirs).not.toBe(orderId);
  });

  it('refuses the same key with a different input as CONFLICT', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    const first = input([{ productId, quantity: 1 }]);
    await orders.call(PLACE_ORDER, { input: first }, me);
    const res = await orders.call(PLACE_ORDER, { input: { ...first, items: [{ productId, quantity: 2 }] } }, me);
    expect(res.body.data!.placeOrder).toEqual({ order: null, errors: [expect.objectContaining({ code: 'CONFLICT', field: ['input', 'idempotencyKey'] })] });
    const [count] = await orders.sql('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [me.id]);
    expect(count.n).toBe(1);
  });

  it('validates lines, products, address and token', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    const euro = await orders.givenProduct({ price: { amount: 100, currency: 'EUR' } });
    const archived = await orders.givenProduct({ active: false });
    const errorsOf = async (variables: Record<string, unknown>) => {
      const data = (await orders.call(PLACE_ORDER, { input: variables }, me)).body.data!.placeOrder;
      expect(data.order).toBeNull();
      return data.errors.map((e: { code: string; field: string[] }) => [e.code, e.field]);
    };

    expect(await errorsOf(input([]))).toEqual([['INVALID_INPUT', ['input', 'items']]]);
    expect(await errorsOf(input([{ productId, quantity: 0 }]))).toEqual([['INVALID_INPUT', ['input', 'items', '0', 'quantity']]]);
    expect(await errorsOf(input([{ productId, quantity: 100 }]))).toEqual([['INVALID_INPUT', ['input', 'items', '0', 'quantity']]]);
    // Whatever the ids sort like, the error points at the line as sent.
    for (const unknown of ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff']) {
      expect(await errorsOf(input([{ productId, quantity: 1 }, { productId: unknown, quantity: 1 }]))).toEqual([
        ['PRODUCT_UNAVAILABLE', ['input', 'items', '1', 'productId']],
      ]);
    }
    expect((await errorsOf(input([{ productId: archived, quantity: 1 }])))[0][0]).toBe('PRODUCT_UNAVAILABLE');
    expect(await errorsOf(input([{ productId, quantity: 1 }, { productId: euro, quantity: 1 }]))).toEqual([['INVALID_INPUT', ['input', 'items']]]);
    expect(
      await errorsOf(input([{ productId, quantity: 1 }], { shippingAddress: { recipient: '', line1: ' ', city: 'Paris', postalCode: '', country: 'FRA' }, paymentToken: '' })),
    ).toEqual([
      ['INVALID_INPUT', ['input', 'paymentToken']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'recipient']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'line1']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'postalCode']],
      ['INVALID_INPUT', ['input', 'shippingAddress', 'country']],
    ]);
    const [count] = await orders.sql('SELECT count(*)::int AS n FROM orders WHERE customer_id = $1', [me.id]);
    expect(count.n).toBe(0);

    // Not signed in is a guest order, which needs an email (guest-checkout.int-spec.ts).
    const anonymous = await orders.call(PLACE_ORDER, { input: input([{ productId, quantity: 1 }]) }, null);
    expect(anonymous.body.data!.placeOrder.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'email'] })]);
  });

  it('checks out the cart, empties it only once the order exists, and replays the same key', async () => {
    const me = customer();
    const [a, b] = [await orders.givenProduct({ price: { amount: 500, currency: 'USD' } }), await orders.givenProduct({ price: { amount: 700, currency: 'USD' } })];

    const empty = await orders.call(PLACE_ORDER, { input: input(null) }, me);
    expect(empty.body.data!.placeOrder.errors).toEqual([expect.objectContaining({ code: 'CART_EMPTY' })]);

    await orders.call(ADD, { p: a, q: 2 }, me);
    await orders.call(ADD, { p: b, q: 1 }, me);
    // A failed checkout (a product archived meanwhile) keeps the cart.
    await orders.givenProduct({ productId: b, active: false, price: { amount: 700, currency: 'USD' } });
    const failed = await orders.call(PLACE_ORDER, { input: input(null) }, me);
    expect(failed.body.data!.placeOrder.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['cart', 'items', '1', 'productId'] })]);
    expect((await orders.call(CART, {}, me)).body.data!.cart.itemCount).toBe(3);

    await orders.givenProduct({ productId: b, active: true, price: { amount: 700, currency: 'USD' } });
    const checkout = input(null);
    const placed = (await orders.call(PLACE_ORDER, { input: checkout }, me)).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    expect(placed.order.items.map((i: { product: { id: string }; quantity: number }) => [i.product.id, i.quantity])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(placed.order.total.amount).toBe(1700);
    expect((await orders.call(CART, {}, me)).body.data!.cart).toEqual({ itemCount: 0, items: [] });

    // The retry of that checkout (cart now empty) is the same order, not CART_EMPTY.
    const retry = (await orders.call(PLACE_ORDER, { input: checkout }, me)).body.data!.placeOrder;
    expect(retry).toMatchObject({ errors: [], order: { id: placed.order.id } });
  });
});
