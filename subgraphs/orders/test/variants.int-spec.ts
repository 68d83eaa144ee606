import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { address, customer, PLACE_ORDER, startOrdersSubgraph, tapEvents, type EventTap, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// Cart and order lines per variant: the variant replica fed by the variants products.v1 carries,
// the product-based mutations on a default variant, addVariantToCart/updateCartLine, a variant's
// price change reaching the cart and the order, ReserveStock per variant, order line snapshots.

const CART_FIELDS = 'cart { itemCount subtotal { amount } items { id product { id } variant { id } quantity unitPrice { amount } lineTotal { amount } } } errors { code field message }';
const ADD_VARIANT = `mutation ($v: ID!, $q: Int!, $c: ID) { addVariantToCart(variantId: $v, quantity: $q, cartId: $c) { ${CART_FIELDS} } }`;
const UPDATE_LINE = `mutation ($l: ID!, $q: Int!) { updateCartLine(lineId: $l, quantity: $q) { ${CART_FIELDS} } }`;
const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { ${CART_FIELDS} } }`;
const ORDER_ITEMS = `query ($id: ID!) { order(id: $id) { total { amount } items { product { id } variant { id } sku variantTitle productName unitPrice { amount } quantity } } }`;

describe('orders: lines per variant', () => {
  let orders: TestOrdersSubgraph;
  let tap: EventTap;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '' });
    tap = await tapEvents();
  });
  afterAll(async () => {
    await tap?.stop();
    await orders?.stop();
  });

  const variant = (productId: string, key: string, size: string, amount: number, active = true) => ({
    variantId: `${productId}:${key}`,
    sku: `SKU-${productId.slice(0, 6)}-${key}`.toUpperCase(),
    title: `${size} / Black`,
    options: [
      { name: 'Size', value: size },
      { name: 'Colour', value: 'Black' },
    ],
    price: { amount, currency: 'USD' },
    active,
  });
  /** A shirt in S (2500) and M (2800), announced as products would. */
  const givenShirt = async () => {
    const productId = randomUUID();
    const variants = [variant(productId, 's', 'S', 2500), variant(productId, 'm', 'M', 2800)];
    await orders.givenProduct({ productId, name: 'Shirt', price: { amount: 2500, currency: 'USD' }, variants });
    return { productId, variants };
  };

  it('adds variants as their own lines at their own prices; the product-based addToCart names the options to choose', async () => {
    const me = customer();
    const { productId, variants } = await givenShirt();
    await orders.call(ADD_VARIANT, { v: variants[0].variantId, q: 1 }, me);
    const res = (await orders.call(ADD_VARIANT, { v: variants[1].variantId, q: 2 }, me)).body.data!.addVariantToCart;
    expect(res.errors).toEqual([]);
    expect(res.cart.items).toEqual([
      { id: variants[0].variantId, product: { id: productId }, variant: { id: variants[0].variantId }, quantity: 1, unitPrice: { amount: 2500 }, lineTotal: { amount: 2500 } },
      { id: variants[1].variantId, product: { id: productId }, variant: { id: variants[1].variantId }, quantity: 2, unitPrice: { amount: 2800 }, lineTotal: { amount: 5600 } },
    ]);
    expect(res.cart.subtotal).toEqual({ amount: 8100 });

    const refused = (await orders.call(ADD, { p: productId, q: 1 }, me)).body.data!.addToCart;
    expect(refused.errors).toEqual([{ code: 'INVALID_INPUT', field: ['productId'], message: `Product ${productId} comes in 2 variants: choose one by Size, Colour (pass its variantId)` }]);
    expect(refused.cart.itemCount).toBe(3);
    const guest = (await orders.call(ADD_VARIANT, { v: variants[0].variantId, q: 1, c: 'cart-1' }, me)).body.data!.addVariantToCart;
    // A cartId names a guest cart; this one names none.
    expect(guest.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['cartId'] })]);

    const updated = (await orders.call(UPDATE_LINE, { l: variants[1].variantId, q: 0 }, me)).body.data!.updateCartLine;
    expect(updated.cart.items.map((i: { id: string }) => i.id)).toEqual([variants[0].variantId]);
    const unknown = (await orders.call(UPDATE_LINE, { l: `${productId}:xl`, q: 1 }, me)).body.data!.updateCartLine;
    expect(unknown.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['lineId'] })]);
  });

  it('keeps a product without options on its default variant: line id = product id, addToCart works as before', async () => {
    const me = customer();
    const plain = await orders.givenProduct({ price: { amount: 900, currency: 'USD' } });
    const res = (await orders.call(ADD, { p: plain, q: 2 }, me)).body.data!.addToCart;
    expect(res.errors).toEqual([]);
    expect(res.cart.items).toEqual([{ id: plain, product: { id: plain }, variant: { id: plain }, quantity: 2, unitPrice: { amount: 900 }, lineTotal: { amount: 1800 } }]);
  });

  it('charges a variant\'s new price in the cart and at placeOrder; the order snapshots variant, sku and title; ReserveStock names the variants', async () => {
    const me = customer();
    const { productId, variants } = await givenShirt();
    await orders.call(ADD_VARIANT, { v: variants[0].variantId, q: 1 }, me);
    await orders.call(ADD_VARIANT, { v: variants[1].variantId, q: 2 }, me);
    // The M's price changes (a ProductUpdated carrying every variant).
    await orders.service.handle(
      createEvent(
        'ProductUpdated',
        productId,
        { productId, sku: 'X', slug: `p-${productId}`, name: 'Shirt', price: { amount: 2500, currency: 'USD' }, active: true, variants: [variants[0], { ...variants[1], price: { amount: 3000, currency: 'USD' } }] },
        { source: 'products' },
      ),
    );
    const cart = (await orders.call(`{ cart { subtotal { amount } items { id unitPrice { amount } } } }`, {}, me)).body.data!.cart;
    expect(cart).toEqual({ subtotal: { amount: 8500 }, items: [{ id: variants[0].variantId, unitPrice: { amount: 2500 } }, { id: variants[1].variantId, unitPrice: { amount: 3000 } }] });

    const placed = (await orders.call(PLACE_ORDER, { input: { idempotencyKey: randomUUID(), shippingAddress: address, paymentToken: 'tok_visa' } }, me)).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    const order = (await orders.call(ORDER_ITEMS, { id: placed.order.id }, me)).body.data!.order;
    expect(order.total).toEqual({ amount: 8500 });
    expect(order.items).toEqual(
      expect.arrayContaining([
        { product: { id: productId }, variant: { id: variants[0].variantId }, sku: variants[0].sku, variantTitle: 'S / Black', productName: 'Shirt', unitPrice: { amount: 2500 }, quantity: 1 },
        { product: { id: productId }, variant: { id: variants[1].variantId }, sku: variants[1].sku, variantTitle: 'M / Black', productName: 'Shirt', unitPrice: { amount: 3000 }, quantity: 2 },
      ]),
    );
    const reserve = await tap.waitFor('ReserveStock', placed.order.id);
    expect(reserve.payload.lines).toEqual(
      expect.arrayContaining([
        { productId, variantId: variants[0].variantId, quantity: 1 },
        { productId, variantId: variants[1].variantId, quantity: 2 },
      ]),
    );
  });

  it('orders explicit lines per variant (variantId), refuses an archived variant and a product-only line for a product with several variants', async () => {
    const me = customer();
    const { productId, variants } = await givenShirt();
    const place = (items: Record<string, unknown>[]) =>
      orders.call(PLACE_ORDER, { input: { idempotencyKey: randomUUID(), items, shippingAddress: address, paymentToken: 'tok_visa' } }, me);
    const ok = (await place([{ productId, variantId: variants[1].variantId, quantity: 1 }, { productId, variantId: variants[0].variantId, quantity: 1 }])).body.data!.placeOrder;
    expect(ok.errors).toEqual([]);
    expect(ok.order.total).toMatchObject({ amount: 5300 });
    const ambiguous = (await place([{ productId, quantity: 1 }])).body.data!.placeOrder;
    expect(ambiguous.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'items', '0', 'productId'] })]);
    await orders.service.handle(
      createEvent('ProductUpdated', productId, { productId, sku: 'X', slug: `p-${productId}`, name: 'Shirt', price: { amount: 2500, currency: 'USD' }, active: true, variants: [variants[0], { ...variants[1], active: false }] }, { source: 'products' }),
    );
    const archived = (await place([{ productId, variantId: variants[1].variantId, quantity: 1 }])).body.data!.placeOrder;
    expect(archived.errors).toEqual([expect.objectContaining({ code: 'PRODUCT_UNAVAILABLE', field: ['input', 'items', '0', 'variantId'] })]);
    // With one active variant left, the product-based line means that one.
    const single = (await place([{ productId, quantity: 1 }])).body.data!.placeOrder;
    expect(single.errors).toEqual([]);
    expect(single.order.total).toMatchObject({ amount: 2500 });
  });
});
