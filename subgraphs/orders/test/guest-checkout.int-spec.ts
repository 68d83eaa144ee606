import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEvent } from '@shopgraph/events';
import { stackEnv, testNamespace, uniqueId } from '@shopgraph/testkit';
import { admin, customer, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';
import { ProductReplicaStore } from '../src/stores/product-replica.store';
import { seedAccountEmails } from '../src/seed';
import { demoUsers } from '@shopgraph/demo-data';
import { MAX_LINES } from '@shopgraph/kit';

// Guest carts (Redis) and guest orders through the real orders subgraph (PostgreSQL, Redis of the
// local stack): an anonymous mutation starts a guest cart under an unguessable id that expires after
// 30 days; codes live on the cart; a signed-in user merges a guest cart; a guest orders with an email
// and gets a one-time token (only its hash is stored) that reads that order and no other.
const ca = { recipient: 'Grace Hopper', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postalCode: '95014', country: 'US' };
const CART = 'id items { id product { id } quantity unitPrice { amount } } itemCount subtotal { amount } promotionCodes';
const ADD = `mutation ($p: ID!, $q: Int!, $c: ID) { addToCart(productId: $p, quantity: $q, cartId: $c) { cart { ${CART} } errors { code field message } } }`;
const UPDATE = `mutation ($p: ID!, $q: Int!, $c: ID) { updateCartItem(productId: $p, quantity: $q, cartId: $c) { cart { ${CART} } errors { code field } } }`;
const REMOVE = `mutation ($p: ID!, $c: ID) { removeFromCart(productId: $p, cartId: $c) { cart { ${CART} } errors { code field } } }`;
const CLEAR = `mutation ($c: ID) { clearCart(cartId: $c) { cart { ${CART} } errors { code field } } }`;
const GUEST_CART = `query ($c: ID!) { guestCart(cartId: $c) { ${CART} } }`;
const MY_CART = `{ cart { ${CART} } }`;
const MERGE = `mutation ($c: ID!) { mergeGuestCart(cartId: $c) { cart { ${CART} } errors { code field message } } }`;
const APPLY = `mutation ($code: String!, $c: ID) { applyPromotionCode(code: $code, cartId: $c) { cart { ${CART} } errors { code field message } } }`;
const UNAPPLY = `mutation ($code: String!, $c: ID) { removePromotionCode(code: $code, cartId: $c) { cart { ${CART} } errors { code field message } } }`;
const PREVIEW = `query ($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) {
  lines { product { id } variant { id } quantity unitPrice { amount } discount { amount } } subtotal { amount } discounts { code amount { amount } }
  shipping { method { id } price { amount } } taxTotal { amount } total { amount } errors { code field message } } }`;
const ORDER = 'id customer { id } total { amount } discountTotal { amount } shippingTotal { amount } taxTotal { amount } email guest items { productName quantity }';
const PLACE = `mutation ($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER} } orderToken errors { code field message } } }`;
const BY_TOKEN = `query ($t: String!) { orderByToken(token: $t) { ${ORDER} } }`;
const ORDER_BY_ID = `query ($id: ID!) { order(id: $id) { id } }`;
const CREATE_PROMO = `mutation ($input: PromotionInput!) { createPromotion(input: $input) { promotion { id code } errors { code message } } }`;
const SET_TAX = `mutation ($input: TaxRateInput!) { setTaxRate(input: $input) { errors { code } } }`;

describe('guest carts and guest orders', () => {
  let orders: TestOrdersSubgraph;
  let redis: Redis;
  const prefix = uniqueId('orders-guest-cart');
  const boss = admin();
  let std: string;
  let exp: string;
  let code: string;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({ CONSUMERS: '', CART_KEY_PREFIX: prefix });
    redis = new Redis(stackEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    std = randomUUID();
    exp = randomUUID();
    const method = (methodId: string, name: string, price: number, extra: Record<string, unknown> = {}) =>
      orders.service.handle(
        createEvent(
          'ShippingMethodChanged',
          methodId,
          { methodId, revision: 1, name, carrier: 'UPS', description: null, countries: ['US'], price: { amount: price, currency: 'USD' }, freeOver: null, minDeliveryDays: 3, maxDeliveryDays: 5, active: true, ...extra },
          { source: 'shipping' },
        ),
      );
    await method(std, 'Standard', 500);
    await method(exp, 'Express', 1500, { minDeliveryDays: 1, maxDeliveryDays: 2 });
    expect((await orders.call(SET_TAX, { input: { name: 'CA sales tax', country: 'US', region: 'CA', rateBasisPoints: 725 } }, boss)).body.data?.setTaxRate.errors).toEqual([]);
    code = `G${randomUUID().slice(0, 8)}`.toUpperCase();
    const promo = await orders.call(CREATE_PROMO, { input: { name: 'Guest ten', code, kind: 'PERCENTAGE', value: 1000 } }, boss);
    expect(promo.body.data?.createPromotion.errors).toEqual([]);
  }, 60_000);
  afterAll(async () => {
    redis?.disconnect();
    await orders?.stop();
  });

  const guestKey = (cartId: string) => `${testNamespace().key(prefix)}:guest:${cartId}`;

  it('an anonymous mutation without cartId starts a guest cart with an unguessable id that lives 30 days untouched', async () => {
    const lamp = await orders.givenProduct({ price: { amount: 1999, currency: 'USD' } });
    const first = (await orders.call(ADD, { p: lamp, q: 2 }, null)).body.data!.addToCart;
    expect(first.errors).toEqual([]);
    const cartId: string = first.cart.id;
    expect(cartId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.cart).toMatchObject({ itemCount: 2, subtotal: { amount: 3998 }, promotionCodes: [] });
    const ttl = await redis.ttl(guestKey(cartId));
    expect(ttl).toBeGreaterThan(30 * 24 * 3600 - 60);
    expect(ttl).toBeLessThanOrEqual(30 * 24 * 3600);

    // Another anonymous add without cartId is another cart; with it, the same one.
    const other = (await orders.call(ADD, { p: lamp, q: 1 }, null)).body.data!.addToCart.cart;
    expect(other.id).not.toBe(cartId);
    expect((await orders.call(ADD, { p: lamp, q: 1, c: cartId }, null)).body.data!.addToCart.cart).toMatchObject({ id: cartId, itemCount: 3 });
    expect((await orders.call(UPDATE, { p: lamp, q: 5, c: cartId }, null)).body.data!.updateCartItem.cart.itemCount).toBe(5);
    expect((await orders.call(GUEST_CART, { c: cartId }, null)).body.data!.guestCart).toMatchObject({ id: cartId, itemCount: 5, items: [{ id: lamp, product: { id: lamp }, quantity: 5 }] });

    // Emptied, the guest cart stays (its id keeps working) until it expires.
    expect((await orders.call(REMOVE, { p: lamp, c: cartId }, null)).body.data!.removeFromCart).toMatchObject({ cart: { id: cartId, itemCount: 0 }, errors: [] });
    expect((await orders.call(GUEST_CART, { c: cartId }, null)).body.data!.guestCart).toMatchObject({ id: cartId, items: [] });
    await orders.call(ADD, { p: lamp, q: 1, c: cartId }, null);
    expect((await orders.call(CLEAR, { c: cartId }, null)).body.data!.clearCart).toMatchObject({ cart: { id: cartId, itemCount: 0 }, errors: [] });
    expect(await redis.ttl(guestKey(cartId))).toBeGreaterThan(30 * 24 * 3600 - 60);

    // An unknown, expired or malformed id names no cart: NOT_FOUND, and nothing is created.
    await redis.del(guestKey(cartId));
    for (const c of [cartId, 'not-a-cart', randomUUID()]) {
      expect((await orders.call(GUEST_CART, { c }, null)).body.data!.guestCart).toBeNull();
      const res = (await orders.call(ADD, { p: lamp, q: 1, c }, null)).body.data!.addToCart;
      expect(res.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['cartId'] })]);
      expect(res.cart.itemCount).toBe(0);
    }
    expect(await redis.exists(guestKey(cartId))).toBe(0);
  });

  it('keeps promotion codes on the cart: checked when applied, upper case, once each, removable', async () => {
    const p = await orders.givenProduct();
    const { cart } = (await orders.call(ADD, { p, q: 1 }, null)).body.data!.addToCart;
    const unknown = (await orders.call(APPLY, { code: 'NOPE-123', c: cart.id }, null)).body.data!.applyPromotionCode;
    expect(unknown.errors).toEqual([{ code: 'PROMOTION_INVALID', field: ['code'], message: 'Code NOPE-123 is not a valid promotion code' }]);
    const expired = `X${randomUUID().slice(0, 8)}`.toUpperCase();
    await orders.call(CREATE_PROMO, { input: { name: 'Old', code: expired, kind: 'PERCENTAGE', value: 500, startsAt: '2020-01-01T00:00:00Z', endsAt: '2021-01-01T00:00:00Z' } }, boss);
    const old = (await orders.call(APPLY, { code: expired, c: cart.id }, null)).body.data!.applyPromotionCode;
    expect(old.errors).toEqual([expect.objectContaining({ code: 'PROMOTION_INVALID', message: expect.stringContaining('expired') })]);
    expect(old.cart.promotionCodes).toEqual([]);

    const applied = (await orders.call(APPLY, { code: code.toLowerCase(), c: cart.id }, null)).body.data!.applyPromotionCode;
    expect(applied).toMatchObject({ cart: { id: cart.id, promotionCodes: [code] }, errors: [] });
    expect((await orders.call(APPLY, { code, c: cart.id }, null)).body.data!.applyPromotionCode.cart.promotionCodes).toEqual([code]);
    expect((await orders.call(UNAPPLY, { code: code.toLowerCase(), c: cart.id }, null)).body.data!.removePromotionCode).toMatchObject({ cart: { promotionCodes: [] }, errors: [] });

    // A signed-in user's cart keeps codes too, even while it has no lines.
    const me = customer();
    expect((await orders.call(APPLY, { code }, me)).body.data!.applyPromotionCode).toMatchObject({ cart: { id: me.id, itemCount: 0, promotionCodes: [code] }, errors: [] });
    expect((await orders.call(MY_CART, {}, me)).body.data!.cart.promotionCodes).toEqual([code]);
  });

  it('merges a guest cart into the signed-in user\'s: quantities add up to at most 99, codes join, the guest cart is gone', async () => {
    const [a, b] = [await orders.givenProduct(), await orders.givenProduct()];
    const me = customer();
    await orders.call(ADD, { p: a, q: 97 }, me);
    const guest = (await orders.call(ADD, { p: a, q: 5 }, null)).body.data!.addToCart.cart.id;
    await orders.call(ADD, { p: b, q: 2, c: guest }, null);
    await orders.call(APPLY, { code, c: guest }, null);

    const merged = (await orders.call(MERGE, { c: guest }, me)).body.data!.mergeGuestCart;
    expect(merged.errors).toEqual([]);
    expect(merged.cart).toMatchObject({ id: me.id, promotionCodes: [code] });
    expect(merged.cart.items.map((i: any) => [i.product.id, i.quantity])).toEqual([
      [a, 99],
      [b, 2],
    ]);
    expect((await orders.call(GUEST_CART, { c: guest }, null)).body.data!.guestCart).toBeNull();
    expect((await orders.call(MERGE, { c: guest }, me)).body.data!.mergeGuestCart.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['cartId'] })]);
    expect((await orders.call(MERGE, { c: guest }, null)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('a merge keeps the cart\'s line limit: the guest lines that do not fit stay out and are reported', async () => {
    const me = customer();
    const products = await Promise.all(Array.from({ length: MAX_LINES + 2 }, () => orders.givenProduct()));
    for (const p of products.slice(0, MAX_LINES - 1)) expect((await orders.call(ADD, { p, q: 1 }, me)).body.data!.addToCart.errors).toEqual([]);
    const guest = (await orders.call(ADD, { p: products[0], q: 2 }, null)).body.data!.addToCart.cart.id;
    for (const p of products.slice(MAX_LINES - 1)) await orders.call(ADD, { p, q: 1, c: guest }, null);
    const merged = (await orders.call(MERGE, { c: guest }, me)).body.data!.mergeGuestCart;
    expect(merged.errors).toEqual([{ code: 'INVALID_INPUT', field: ['cartId'], message: `2 lines of the guest cart did not fit: a cart holds at most ${MAX_LINES} different products` }]);
    expect(merged.cart.items).toHaveLength(MAX_LINES);
    expect(merged.cart.items[0]).toMatchObject({ product: { id: products[0] }, quantity: 3 });
    // The guest's lines in the order they were added: the first new one fits, the last two do not.
    expect(merged.cart.items.at(-1).product.id).toBe(products[MAX_LINES - 1]);
  });

  it('a guest previews and orders a guest cart with an email: the total agrees, the order is the guest\'s, its token reads it once issued', async () => {
    const lamp = await orders.givenProduct({ price: { amount: 1999, currency: 'USD' } });
    const bulb = await orders.givenProduct({ price: { amount: 333, currency: 'USD' } });
    const cartId = (await orders.call(ADD, { p: lamp, q: 2 }, null)).body.data!.addToCart.cart.id;
    await orders.call(ADD, { p: bulb, q: 3, c: cartId }, null);
    await orders.call(APPLY, { code, c: cartId }, null);

    // The cart's codes by default; express to California, CA tax.
    const preview = (await orders.call(PREVIEW, { input: { cartId, shippingAddress: ca, shippingMethodId: exp } }, null)).body.data!.checkoutPreview;
    expect(preview.errors).toEqual([]);
    expect(preview.discounts).toEqual([{ code, amount: { amount: 500 } }]);
    expect(preview.lines.map((l: any) => [l.product.id, l.variant.id, l.unitPrice.amount])).toEqual([
      [lamp, lamp, 1999],
      [bulb, bulb, 333],
    ]);
    expect(preview.shipping).toEqual({ method: { id: exp }, price: { amount: 1500 } });
    // 4997 - 500 = 4497; tax 7.25 % per line: 3598 → 260.855 → 261, 899 → 65.1775 → 65
    expect(preview.taxTotal.amount).toBe(326);
    expect(preview.total.amount).toBe(4497 + 1500 + 326);

    const base = { idempotencyKey: randomUUID(), cartId, shippingAddress: ca, paymentToken: 'tok_visa', shippingMethodId: exp, expectedTotal: preview.total.amount };
    const noEmail = (await orders.call(PLACE, { input: base }, null)).body.data!.placeOrder;
    expect(noEmail).toEqual({ order: null, orderToken: null, errors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'email'] })] });
    const badEmail = (await orders.call(PLACE, { input: { ...base, email: 'nobody' } }, null)).body.data!.placeOrder;
    expect(badEmail.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'email'] })]);
    const noCart = (await orders.call(PLACE, { input: { ...base, cartId: null, email: 'g@example.com' } }, null)).body.data!.placeOrder;
    expect(noCart.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'cartId'] })]);

    const email = `Guest.${randomUUID().slice(0, 6)}@Example.com`;
    const placed = (await orders.call(PLACE, { input: { ...base, email } }, null)).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    expect(placed.order).toMatchObject({ total: { amount: preview.total.amount }, discountTotal: { amount: 500 }, shippingTotal: { amount: 1500 }, taxTotal: { amount: 326 }, email: email.toLowerCase(), guest: true });
    const token: string = placed.orderToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The order belongs to the guest customer record of the email.
    const [guestRow] = await orders.sql<{ id: string }>('SELECT id FROM guest_customers WHERE email = $1', [email.toLowerCase()]);
    expect(placed.order.customer).toEqual({ id: guestRow.id });
    // Only the token's hash is stored.
    const [row] = await orders.sql<any>('SELECT * FROM orders WHERE id = $1', [placed.order.id]);
    expect(row.order_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    // The checked-out guest cart is gone.
    expect((await orders.call(GUEST_CART, { c: cartId }, null)).body.data!.guestCart).toBeNull();

    // The token reads its order (anonymous or not); any other token reads nothing.
    expect((await orders.call(BY_TOKEN, { t: token }, null)).body.data!.orderByToken).toEqual(placed.order);
    expect((await orders.call(BY_TOKEN, { t: token }, customer())).body.data!.orderByToken.id).toBe(placed.order.id);
    for (const t of [token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), '', 'x'.repeat(500)]) {
      const res = await orders.call(BY_TOKEN, { t }, null);
      expect(res.body).toEqual({ data: { orderByToken: null } });
    }
    // order(id) stays the owner's or an ADMIN's: a guest order is no one's account to read by id.
    expect((await orders.call(ORDER_BY_ID, { id: placed.order.id }, null)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await orders.call(ORDER_BY_ID, { id: placed.order.id }, customer())).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    // A retry with the same key is the same order, without the token again; the same key with another input is a CONFLICT.
    const replay = (await orders.call(PLACE, { input: { ...base, email } }, null)).body.data!.placeOrder;
    expect(replay).toMatchObject({ order: { id: placed.order.id }, orderToken: null, errors: [] });
    for (const changed of [{ shippingMethodId: std }, { promotionCodes: [] }, { expectedTotal: 1 }, { cartId: 'x'.repeat(43) }]) {
      const conflict = (await orders.call(PLACE, { input: { ...base, email, ...changed } }, null)).body.data!.placeOrder;
      expect(conflict).toEqual({ order: null, orderToken: null, errors: [expect.objectContaining({ code: 'CONFLICT', field: ['input', 'idempotencyKey'] })] });
    }

    // The same email's next guest order shares the guest customer record.
    const items = [{ productId: bulb, quantity: 1 }];
    const second = (await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), items, shippingAddress: ca, paymentToken: 'tok_visa', email: email.toUpperCase() } }, null)).body.data!.placeOrder;
    expect(second.errors).toEqual([]);
    expect(second.order.customer.id).toBe(guestRow.id);
    expect(second.orderToken).not.toBe(token);
    expect((await orders.call(BY_TOKEN, { t: second.orderToken }, null)).body.data!.orderByToken.id).toBe(second.order.id);
  });

  it('a signed-in customer\'s order carries the account\'s email from users.v1 and is not a guest order', async () => {
    const me = customer();
    const email = `acct.${randomUUID().slice(0, 6)}@example.com`;
    await orders.service.handle(createEvent('UserRegistered', me.id, { userId: me.id, email, name: 'Acct' }, { source: 'users' }));
    const p = await orders.givenProduct();
    const placed = (
      await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), items: [{ productId: p, quantity: 1 }], shippingAddress: ca, paymentToken: 'tok_visa', email: 'ignored@example.com' } }, me)
    ).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    expect(placed).toMatchObject({ orderToken: null, order: { customer: { id: me.id }, email, guest: false } });
    // Stored with the order when it was placed (not only looked up when read).
    expect((await orders.sql<{ email: string }>('SELECT email FROM orders WHERE id = $1', [placed.order.id]))[0].email).toBe(email);
  });

  it('addToCart reads the product replica once per call: the product\'s variants, the cart\'s lines and the answer\'s prices in one lookup', async () => {
    const me = customer();
    const [a, b] = [await orders.givenProduct({ price: { amount: 700, currency: 'USD' } }), await orders.givenProduct({ price: { amount: 300, currency: 'USD' } })];
    // A product with options but one active variant: its default is that variant (id not the product's).
    const shirt = randomUUID();
    await orders.givenProduct({
      productId: shirt,
      price: { amount: 2500, currency: 'USD' },
      variants: [
        { variantId: `${shirt}:s`, sku: `S-${shirt.slice(0, 6)}`, title: 'S', options: [{ name: 'Size', value: 'S' }], price: { amount: 2500, currency: 'USD' }, active: true },
        { variantId: `${shirt}:m`, sku: `M-${shirt.slice(0, 6)}`, title: 'M', options: [{ name: 'Size', value: 'M' }], price: { amount: 2800, currency: 'USD' }, active: false },
      ],
    });
    await orders.call(ADD, { p: a, q: 1 }, me);
    const reads = (['lookup', 'findByIds', 'activeVariantsOf'] as const).map((method) => jest.spyOn(ProductReplicaStore.prototype, method));
    try {
      for (const [p, expected] of [
        [b, 700 + 300],
        [shirt, 700 + 300 + 2500],
      ] as const) {
        for (const spy of reads) spy.mockClear();
        const res = (await orders.call(ADD, { p, q: 1 }, me)).body.data!.addToCart;
        expect(res.errors).toEqual([]);
        expect(res.cart.subtotal.amount).toBe(expected);
        expect(reads.map((spy) => spy.mock.calls.length)).toEqual([1, 0, 0]);
      }
      expect((await orders.call(MY_CART, {}, me)).body.data!.cart.items.map((i: any) => i.id)).toEqual([a, b, `${shirt}:s`]);
    } finally {
      for (const spy of reads) spy.mockRestore();
    }
  });

  it('the seed gives the demo accounts their emails (the users seed publishes no UserRegistered); a users.v1 event about one wins over it', async () => {
    expect(await seedAccountEmails(orders.service.dataSource)).toBe(demoUsers.length);
    expect(await seedAccountEmails(orders.service.dataSource)).toBe(demoUsers.length);
    const rows = await orders.sql<{ customer_id: string; email: string }>('SELECT customer_id, email FROM customer_emails WHERE customer_id = ANY($1::text[]) ORDER BY email', [demoUsers.map((u) => u.id)]);
    expect(rows.map((r) => [r.customer_id, r.email])).toEqual(demoUsers.map((u) => [u.id, u.email]).sort((a, b) => (a[1] < b[1] ? -1 : 1)));
    const alice = demoUsers.find((u) => u.email.startsWith('alice'))!;
    await orders.service.handle(createEvent('PasswordChanged', alice.id, { userId: alice.id, email: 'alice.new@example.com', name: 'Alice', via: 'CHANGE', at: new Date().toISOString() }, { source: 'users' }));
    await seedAccountEmails(orders.service.dataSource);
    expect((await orders.sql<{ email: string }>('SELECT email FROM customer_emails WHERE customer_id = $1', [alice.id]))[0].email).toBe('alice.new@example.com');
  });

  it('a signed-in user may check out a guest cart they hold', async () => {
    const me = customer();
    await orders.service.handle(createEvent('UserRegistered', me.id, { userId: me.id, email: `h.${randomUUID().slice(0, 6)}@example.com`, name: 'H' }, { source: 'users' }));
    const p = await orders.givenProduct();
    const cartId = (await orders.call(ADD, { p, q: 2 }, null)).body.data!.addToCart.cart.id;
    const placed = (await orders.call(PLACE, { input: { idempotencyKey: randomUUID(), cartId, shippingAddress: ca, paymentToken: 'tok_visa' } }, me)).body.data!.placeOrder;
    expect(placed.errors).toEqual([]);
    expect(placed.order).toMatchObject({ customer: { id: me.id }, guest: false, items: [{ quantity: 2 }] });
    expect((await orders.call(GUEST_CART, { c: cartId }, null)).body.data!.guestCart).toBeNull();
  });
});
