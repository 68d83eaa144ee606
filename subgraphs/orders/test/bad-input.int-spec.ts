import { randomUUID } from 'node:crypto';
import { MAX_LINE_QUANTITY, MAX_LINES, MAX_PRICE_AMOUNT } from '@shopgraph/kit';
import { address, admin, customer, PLACE_ORDER, startOrdersSubgraph, tapEvents, type EventTap, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code field } } }`;
const CART = `{ cart { itemCount subtotal { amount currency formatted } items { product { id } quantity unitPrice { amount } lineTotal { amount } } } }`;
const ORDER_REFS = `query ($reps: [_Any!]!) { _entities(representations: $reps) { ... on Order { id total { amount } shippingAddress { recipient line1 } customer { id } } } }`;

describe('orders: hostile input and foreign references', () => {
  let orders: TestOrdersSubgraph;
  let tap: EventTap;
  let productId: string;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    tap = await tapEvents();
    productId = await orders.givenProduct({ price: { amount: 1000, currency: 'USD' } });
  });
  afterAll(async () => {
    await tap?.stop();
    await orders?.stop();
  });

  const input = (overrides: Record<string, unknown> = {}) => ({
    idempotencyKey: randomUUID(),
    items: [{ productId, quantity: 1 }],
    shippingAddress: address,
    paymentToken: 'tok_visa',
    ...overrides,
  });
  const storedFor = async (customerId: string) => ({
    orders: (await orders.sql<{ n: string }>('SELECT count(*) AS n FROM orders WHERE customer_id = $1', [customerId]))[0]!.n,
    outbox: (await orders.sql<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE envelope::text LIKE '%' || $1 || '%'`, [customerId]))[0]!.n,
  });

  it('refuses card numbers and anything else that is no provider token as paymentToken: nothing stored, nothing published', async () => {
    const me = customer();
    const cards = ['4242 4242 4242 4242', '4242-4242-4242-4242', '4242424242424242', '1234567890123456', '3782 822463 10005', 'tok_4111111111111111'];
    for (const paymentToken of cards) {
      const res = await orders.call(PLACE_ORDER, { input: input({ paymentToken }) }, me);
      expect(res.body.data!.placeOrder).toEqual({
        order: null,
        errors: [{ code: 'INVALID_INPUT', message: expect.stringMatching(/never a card number/), field: ['input', 'paymentToken'] }],
      });
    }
    const notAToken = await orders.call(PLACE_ORDER, { input: input({ paymentToken: 'visa' }) }, me);
    expect(notAToken.body.data!.placeOrder.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'paymentToken'] })]);
    expect(await storedFor(me.id)).toEqual({ orders: '0', outbox: '0' });

    // A good order afterwards: once its events are on the topics, none of the refused ones is there.
    const ok = (await orders.call(PLACE_ORDER, { input: input() }, me)).body.data!.placeOrder;
    expect(ok.errors).toEqual([]);
    await tap.waitFor('OrderStatusChanged', ok.order.id);
    const published = JSON.stringify(tap.events);
    for (const digits of ['4242', '4111111111111111', '1234567890123456', '822463']) expect(published).not.toContain(digits);
    expect(tap.events.filter((e) => JSON.stringify(e.payload).includes(me.id))).toHaveLength(1);
    const stored = JSON.stringify(await orders.sql('SELECT * FROM orders WHERE customer_id = $1', [me.id]));
    expect(stored).not.toMatch(/4242|4111|1234567890/);
  });

  it('refuses NUL and other control characters in names, addresses and idempotency keys with INVALID_INPUT', async () => {
    const me = customer();
    const attempts: [Record<string, unknown>, string[]][] = [
      [{ idempotencyKey: `key-\u0000-${randomUUID()}` }, ['input', 'idempotencyKey']],
      [{ idempotencyKey: `key\n${randomUUID()}` }, ['input', 'idempotencyKey']],
      [{ shippingAddress: { ...address, recipient: 'Ada\u0000Lovelace' } }, ['input', 'shippingAddress', 'recipient']],
      [{ shippingAddress: { ...address, line1: '12 St James\rSquare' } }, ['input', 'shippingAddress', 'line1']],
      [{ shippingAddress: { ...address, city: 'Lon\u001bdon' } }, ['input', 'shippingAddress', 'city']],
      [{ shippingAddress: { ...address, line2: 'x\u0085' } }, ['input', 'shippingAddress', 'line2']],
      [{ paymentToken: 'tok_visa\u0000' }, ['input', 'paymentToken']],
      [{ items: [{ productId: `${productId}\u0000`, quantity: 1 }] }, ['input', 'items', '0', 'productId']],
    ];
    for (const [overrides, field] of attempts) {
      const res = await orders.call(PLACE_ORDER, { input: input(overrides) }, me);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'INVALID_INPUT', field } })]);
      expect(res.text).not.toMatch(/stack|invalid byte sequence|postgres/i);
    }
    // Literals in the document are checked like variables.
    const literal = await orders.call(`mutation { addToCart(productId: "${productId}\\u0000", quantity: 1) { errors { code } } }`, {}, me);
    expect(literal.body.errors?.[0].extensions).toEqual({ code: 'INVALID_INPUT', field: ['productId'] });
    expect(await storedFor(me.id)).toEqual({ orders: '0', outbox: '0' });
  });

  it("resolves an Order reference only for its customer or an ADMIN: others FORBIDDEN, anonymous UNAUTHENTICATED", async () => {
    const owner = customer();
    const placed = (await orders.call(PLACE_ORDER, { input: input({ shippingAddress: { ...address, recipient: 'Private Person' } }) }, owner)).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    const reps = [{ __typename: 'Order', id: placed.order.id }];

    const stranger = await orders.call(ORDER_REFS, { reps }, customer());
    expect(stranger.body.data!._entities).toEqual([null]);
    expect(stranger.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(stranger.text).not.toContain('Private Person');

    const anonymous = await orders.call(ORDER_REFS, { reps }, null);
    expect(anonymous.body.data!._entities).toEqual([null]);
    expect(anonymous.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);

    for (const viewer of [owner, admin()]) {
      const res = await orders.call(ORDER_REFS, { reps: [...reps, { __typename: 'Order', id: randomUUID() }] }, viewer);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!._entities).toEqual([
        { id: placed.order.id, total: { amount: 1000 }, shippingAddress: { recipient: 'Private Person', line1: address.line1 }, customer: { id: owner.id } },
        null,
      ]);
    }
  });

  it('keeps every cart total within 32 bits: the largest cart renders, prices beyond the bound are not for sale', async () => {
    expect(MAX_LINES * MAX_LINE_QUANTITY * MAX_PRICE_AMOUNT).toBeLessThanOrEqual(2 ** 31 - 1);
    const me = customer();
    const dear = await Promise.all(Array.from({ length: MAX_LINES + 1 }, () => orders.givenProduct({ price: { amount: MAX_PRICE_AMOUNT, currency: 'USD' } })));
    for (const p of dear.slice(0, MAX_LINES)) expect((await orders.call(ADD, { p, q: MAX_LINE_QUANTITY }, me)).body.data!.addToCart.errors).toEqual([]);
    const extra = await orders.call(ADD, { p: dear[MAX_LINES], q: 1 }, me);
    expect(extra.body.data!.addToCart.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT' })]);
    const full = await orders.call(CART, {}, me);
    expect(full.body.errors).toBeUndefined();
    expect(full.body.data!.cart.subtotal.amount).toBe(MAX_LINES * MAX_LINE_QUANTITY * MAX_PRICE_AMOUNT);
    expect(full.body.data!.cart.itemCount).toBe(MAX_LINES * MAX_LINE_QUANTITY);

    // A product announced beyond the bound (e.g. before it existed) cannot be added or ordered…
    const tooDear = await orders.givenProduct({ price: { amount: MAX_PRICE_AMOUNT + 1, currency: 'USD' } });
    const other = customer();
    expect((await orders.call(ADD, { p: tooDear, q: 1 }, other)).body.data!.addToCart.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE' })]);
    const refused = await orders.call(PLACE_ORDER, { input: input({ items: [{ productId: tooDear, quantity: 99 }] }) }, other);
    expect(refused.body.data!.placeOrder.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE' })]);
    // …and one repriced beyond it while in a cart leaves the cart view working (the line at zero).
    const repriced = await orders.givenProduct({ price: { amount: 500, currency: 'USD' } });
    expect((await orders.call(ADD, { p: repriced, q: 99 }, other)).body.data!.addToCart.errors).toEqual([]);
    await orders.givenProduct({ productId: repriced, price: { amount: 2_000_000_000, currency: 'USD' } });
    const cart = await orders.call(CART, {}, other);
    expect(cart.body.errors).toBeUndefined();
    expect(cart.body.data!.cart.items).toEqual([{ product: { id: repriced }, quantity: 99, unitPrice: { amount: 0 }, lineTotal: { amount: 0 } }]);
  });
});
