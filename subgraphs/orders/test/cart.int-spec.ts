import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import { customer, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

const CART = `items { product { id } quantity unitPrice { amount currency formatted } lineTotal { amount } } itemCount subtotal { amount currency } updatedAt`;
const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { cart { ${CART} } errors { code field message } } }`;
const ADD_ONE = `mutation ($p: ID!) { addToCart(productId: $p) { cart { ${CART} } errors { code field } } }`;
const UPDATE = `mutation ($p: ID!, $q: Int!) { updateCartItem(productId: $p, quantity: $q) { cart { ${CART} } errors { code field } } }`;
const REMOVE = `mutation ($p: ID!) { removeFromCart(productId: $p) { cart { ${CART} } errors { code } } }`;
const CLEAR = `mutation { clearCart { cart { ${CART} } errors { code } } }`;
const QUERY = `{ cart { ${CART} } }`;

describe('carts (Redis) priced from the product replica', () => {
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    orders = await startOrdersSubgraph();
  });
  afterAll(async () => {
    await orders?.stop();
  });

  it('adds, updates, removes and clears lines with current prices and totals', async () => {
    const me = customer();
    const lamp = await orders.givenProduct({ price: { amount: 1999, currency: 'USD' } });
    const desk = await orders.givenProduct({ price: { amount: 25000, currency: 'USD' } });

    expect((await orders.call(QUERY, {}, me)).body.data!.cart).toEqual({ items: [], itemCount: 0, subtotal: { amount: 0, currency: 'USD' }, updatedAt: null });

    const one = await orders.call(ADD_ONE, { p: lamp }, me);
    expect(one.body.data!.addToCart.errors).toEqual([]);
    await orders.call(ADD, { p: lamp, q: 2 }, me);
    const added = (await orders.call(ADD, { p: desk, q: 1 }, me)).body.data!.addToCart.cart;
    expect(added).toMatchObject({
      items: [
        { product: { id: lamp }, quantity: 3, unitPrice: { amount: 1999, currency: 'USD', formatted: '$19.99' }, lineTotal: { amount: 5997 } },
        { product: { id: desk }, quantity: 1, unitPrice: { amount: 25000 }, lineTotal: { amount: 25000 } },
      ],
      itemCount: 4,
      subtotal: { amount: 30997, currency: 'USD' },
    });
    expect(Date.parse(added.updatedAt)).toBeGreaterThan(Date.now() - 10000);

    const updated = (await orders.call(UPDATE, { p: lamp, q: 5 }, me)).body.data!.updateCartItem.cart;
    expect(updated).toMatchObject({ itemCount: 6, subtotal: { amount: 5 * 1999 + 25000 } });

    const zero = (await orders.call(UPDATE, { p: desk, q: 0 }, me)).body.data!.updateCartItem.cart;
    expect(zero.items.map((i: { product: { id: string } }) => i.product.id)).toEqual([lamp]);

    const removed = (await orders.call(REMOVE, { p: lamp }, me)).body.data!.removeFromCart;
    expect(removed).toEqual({ cart: { items: [], itemCount: 0, subtotal: { amount: 0, currency: 'USD' }, updatedAt: null }, errors: [] });

    await orders.call(ADD, { p: lamp, q: 1 }, me);
    expect((await orders.call(CLEAR, {}, me)).body.data!.clearCart.cart.items).toEqual([]);
    expect((await orders.call(QUERY, {}, me)).body.data!.cart.itemCount).toBe(0);
  });

  it('prices a cart at the current replica price, not the price when it was added', async () => {
    const me = customer();
    const productId = await orders.givenProduct({ price: { amount: 1000, currency: 'USD' } });
    await orders.call(ADD, { p: productId, q: 2 }, me);
    await orders.service.handle(
      createEvent('ProductUpdated', productId, { productId, sku: 'S', slug: 's', name: 'Renamed', price: { amount: 1500, currency: 'USD' }, active: true }, { source: 'products' }),
    );
    expect((await orders.call(QUERY, {}, me)).body.data!.cart).toMatchObject({ items: [{ unitPrice: { amount: 1500 }, lineTotal: { amount: 3000 } }], subtotal: { amount: 3000 } });
  });

  it('keeps each user\'s cart apart', async () => {
    const [a, b] = [customer(), customer()];
    const productId = await orders.givenProduct();
    await orders.call(ADD, { p: productId, q: 4 }, a);
    expect((await orders.call(QUERY, {}, a)).body.data!.cart.itemCount).toBe(4);
    expect((await orders.call(QUERY, {}, b)).body.data!.cart.itemCount).toBe(0);
  });

  it('refuses unknown and archived products as PRODUCT_UNAVAILABLE (replica fed through products.v1)', async () => {
    const me = customer();
    const productId = randomUUID();
    await orders.produce(
      createEvent('ProductCreated', productId, { productId, sku: 'K1', slug: 'k1', name: 'Kettle', price: { amount: 3500, currency: 'USD' }, active: true, initialStock: 3 }, { source: 'products' }),
    );
    await eventually(async () => ((await orders.call(ADD, { p: productId, q: 1 }, me)).body.data!.addToCart.errors.length === 0 ? true : undefined), 15000, 200);

    const unknown = (await orders.call(ADD, { p: randomUUID(), q: 1 }, me)).body.data!.addToCart;
    expect(unknown.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['productId'] })]);
    expect(unknown.cart.itemCount).toBe(1);

    await orders.produce(createEvent('ProductArchived', productId, { productId }, { source: 'products' }));
    const archived = await eventually(async () => {
      const res = (await orders.call(ADD, { p: productId, q: 1 }, me)).body.data!.addToCart;
      return res.errors.length > 0 ? res : undefined;
    }, 15000, 200);
    expect(archived.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['productId'] })]);
    expect((await orders.call(UPDATE, { p: productId, q: 3 }, me)).body.data!.updateCartItem.errors).toEqual([
      expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE' }),
    ]);
    // Removing an archived product is always allowed.
    expect((await orders.call(UPDATE, { p: productId, q: 0 }, me)).body.data!.updateCartItem.errors).toEqual([]);
  });

  it('never lets an older products.v1 event undo a newer one', async () => {
    const productId = randomUUID();
    const archived = createEvent('ProductArchived', productId, { productId }, { source: 'products' });
    const olderCreate = {
      ...createEvent('ProductCreated', productId, { productId, sku: 'O', slug: 'o', name: 'Old', price: { amount: 1, currency: 'USD' }, active: true, initialStock: 1 }, { source: 'products' }),
      occurredAt: new Date(Date.parse(archived.occurredAt) - 60000).toISOString(),
    };
    await orders.service.handle(archived);
    await orders.service.handle(olderCreate);
    await orders.service.handle(olderCreate);
    const [row] = await orders.sql('SELECT active, name FROM product_replica WHERE product_id = $1', [productId]);
    expect(row).toEqual({ active: false, name: null });
    expect((await orders.call(ADD, { p: productId, q: 1 }, customer())).body.data!.addToCart.errors[0].code).toBe('PRODUCT_UNAVAILABLE');
  });

  it('keeps quantities within 1..99, per request and per line', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    for (const q of [0, -1, 100]) {
      expect((await orders.call(ADD, { p: productId, q }, me)).body.data!.addToCart.errors).toEqual([
        expect.objectContaining({ code: 'INVALID_INPUT', field: ['quantity'] }),
      ]);
    }
    expect((await orders.call(UPDATE, { p: productId, q: 100 }, me)).body.data!.updateCartItem.errors[0]).toMatchObject({ code: 'INVALID_INPUT' });
    expect((await orders.call(UPDATE, { p: productId, q: -1 }, me)).body.data!.updateCartItem.errors[0]).toMatchObject({ code: 'INVALID_INPUT' });

    await orders.call(ADD, { p: productId, q: 60 }, me);
    const over = (await orders.call(ADD, { p: productId, q: 40 }, me)).body.data!.addToCart;
    expect(over.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('99') })]);
    expect(over.cart.items[0].quantity).toBe(60);
    expect((await orders.call(ADD, { p: productId, q: 39 }, me)).body.data!.addToCart.cart.items[0].quantity).toBe(99);

    // Concurrent adds never lose units nor pass the limit.
    const other = customer();
    await Promise.all(Array.from({ length: 30 }, () => orders.call(ADD, { p: productId, q: 4 }, other)));
    expect((await orders.call(QUERY, {}, other)).body.data!.cart.items[0].quantity).toBe(96);
  });

  it('`cart` is the signed-in user\'s; an anonymous mutation starts a guest cart instead (guest-cart.int-spec.ts)', async () => {
    const res = await orders.call(QUERY, {}, null);
    expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const add = (await orders.call(ADD, { p: randomUUID(), q: 1 }, null)).body.data!.addToCart;
    expect(add.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['productId'] })]);
    expect(add.cart.itemCount).toBe(0);
  });
});

describe('cart expiry', () => {
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CART_IDLE_TTL_SECONDS: '1', CONSUMERS: '' });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  it('forgets a cart after its idle TTL, and every write starts the clock again', async () => {
    const me = customer();
    const productId = await orders.givenProduct();
    await orders.call(ADD, { p: productId, q: 1 }, me);
    await new Promise((r) => setTimeout(r, 700));
    await orders.call(ADD, { p: productId, q: 1 }, me);
    await new Promise((r) => setTimeout(r, 700));
    // 1.4 s after the first write, but only 0.7 s after the last one.
    expect((await orders.call(QUERY, {}, me)).body.data!.cart.itemCount).toBe(2);
    await new Promise((r) => setTimeout(r, 1300));
    expect((await orders.call(QUERY, {}, me)).body.data!.cart).toMatchObject({ items: [], itemCount: 0, updatedAt: null });
  });
});
