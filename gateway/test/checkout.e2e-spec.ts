import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually, gql, uniqueId, type GraphQLResponse } from '@shopgraph/testkit';
import { startShop, waitUntilOrderable, type Shop } from './fixtures/shop';
import { addShipping } from './fixtures/shipping';

// Guest checkout end to end: the whole shop on the real stack (saga on) behind the gateway. A
// guest fills a guest cart, puts a code on it, previews with express shipping to California (tax
// 7.25 %), places the order with an email, tracks it live with the one-time orderToken over
// graphql-ws until CONFIRMED, and reads it with orderByToken; the payment charged is the preview's
// total. A signed-in user merges a guest cart. A wrong token gets nothing, and says no more than
// "not found". A category-limited code applies to the product as products.v1 told orders its
// category; a guest's orders join the account that registers with the email once it verified it.

jest.setTimeout(300_000);

let shop: Shop;
let gatewayUrl: string;
const cleanups: (() => Promise<unknown>)[] = [];
let admin: string;
let product: string;
let express: string;
let code: string;
const PRICE = 2499;

const call = (query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> =>
  gql(gatewayUrl, query, variables, token ? { authorization: `Bearer ${token}` } : {});
function ok(res: GraphQLResponse, what: string): Record<string, any> {
  if (res.body.errors || !res.body.data) throw new Error(`${what} failed: ${res.text.slice(0, 800)}`);
  return res.body.data;
}

const california = { recipient: 'Grace Guest', line1: '1 Infinite Loop', city: 'Cupertino', region: 'CA', postalCode: '95014', country: 'US' };
const CART = 'id items { product { id } quantity } itemCount promotionCodes';
const ADD = `mutation($p: ID!, $q: Int!, $c: ID) { addToCart(productId: $p, quantity: $q, cartId: $c) { cart { ${CART} } errors { code message } } }`;
const APPLY = `mutation($code: String!, $c: ID) { applyPromotionCode(code: $code, cartId: $c) { cart { ${CART} } errors { code message } } }`;
const PREVIEW = `query($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) {
  lines { product { id name } quantity unitPrice { amount } discount { amount } } subtotal { amount } discounts { code amount { amount } } discountTotal { amount }
  shipping { method { id name } price { amount } } taxLines { name rateBasisPoints amount { amount } } taxTotal { amount } total { amount currency } errors { code message } } }`;
const ORDER = 'id number status total { amount } discountTotal { amount } shippingTotal { amount } taxTotal { amount } email guest items { quantity product { name } } shippingMethod { name price { amount } }';
const PLACE = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER} } orderToken errors { code message field } } }`;
const BY_TOKEN = `query($t: String!) { orderByToken(token: $t) { ${ORDER} } }`;
const WATCH = `subscription($id: ID!, $t: String) { orderStatusChanged(orderId: $id, orderToken: $t) { status version order { id number status total { amount } guest items { quantity product { name } } } } }`;

const clients: Client[] = [];
function connect(token?: string): Client {
  const client = createClient({
    url: gatewayUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
  });
  clients.push(client);
  return client;
}

type Message = ExecutionResult<Record<string, any>, unknown>;
function watch(client: Client, variables: Record<string, unknown>) {
  const w = { messages: [] as Message[], completed: false, error: undefined as unknown, events: () => w.messages.filter((m) => m.data).map((m) => m.data!.orderStatusChanged) };
  client.subscribe(
    { query: WATCH, variables },
    {
      next: (m) => void w.messages.push(m as Message),
      error: (e) => {
        w.error = e;
      },
      complete: () => {
        w.completed = true;
      },
    },
  );
  return w;
}

beforeAll(async () => {
  shop = await startShop({ saga: true });
  // The shipping subgraph with the demo methods (Standard, Express; US, CA, DE, FR, GB): orders learns them over shipping.v1.
  const withShipping = await addShipping(shop, 'checkout');
  cleanups.unshift(withShipping.stop);
  gatewayUrl = withShipping.gatewayUrl;
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
  const tax = ok(await call('mutation($input: TaxRateInput!) { setTaxRate(input: $input) { errors { code } } }', { input: { name: 'CA sales tax', country: 'US', region: 'CA', rateBasisPoints: 725 } }, admin), 'setTaxRate');
  expect(tax.setTaxRate.errors).toEqual([]);
  code = uniqueId('GUEST').replace(/[^A-Za-z0-9]/g, '').slice(0, 20).toUpperCase();
  const promo = ok(
    await call('mutation($input: PromotionInput!) { createPromotion(input: $input) { errors { code message } } }', { input: { name: 'Guest 10', code, kind: 'PERCENTAGE', value: 1000 } }, admin),
    'createPromotion',
  );
  expect(promo.createPromotion.errors).toEqual([]);
  const sku = uniqueId('CO').toUpperCase();
  const created = ok(
    await call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }',
      { input: { sku, name: `Checkout lamp ${sku}`, description: 'A lamp of the checkout test', categorySlug: 'books', price: PRICE, initialStock: 100 } },
      admin,
    ),
    'createProduct',
  ).createProduct;
  expect(created.errors).toEqual([]);
  product = created.product.id;
  await waitUntilOrderable(shop, admin, product);
  // orders' replica of the shipping methods (shipping.v1) offers both for the US.
  express = await eventually(async () => {
    const res = await call('query($input: CheckoutPreviewInput!) { checkoutPreview(input: $input) { shippingOptions { method { id name } } } }', { input: { cartId: null, shippingAddress: california } }, admin);
    const options: { method: { id: string; name: string } }[] = res.body.data?.checkoutPreview.shippingOptions ?? [];
    return options.length === 2 ? options.find((o) => o.method.name === 'Express')!.method.id : undefined;
  }, 60_000);
}, 300_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  await shop?.stop();
});

describe('guest checkout through the gateway', () => {
  let orderId: string;
  let orderToken: string;
  let total: number;

  it('a guest buys with a code and express shipping to California; tracks the order live with its token to CONFIRMED; reads it by token; is charged the preview\'s total', async () => {
    const added = ok(await call(ADD, { p: product, q: 2 }), 'addToCart').addToCart;
    expect(added.errors).toEqual([]);
    const cartId: string = added.cart.id;
    expect(cartId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ok(await call(APPLY, { code: code.toLowerCase(), c: cartId }), 'applyPromotionCode').applyPromotionCode).toMatchObject({ cart: { promotionCodes: [code] }, errors: [] });

    const preview = ok(await call(PREVIEW, { input: { cartId, shippingAddress: california, shippingMethodId: express } }), 'checkoutPreview').checkoutPreview;
    expect(preview.errors).toEqual([]);
    // 2 × 24.99 = 49.98; 10 % off = 4.998 → 5.00; express 14.99; CA tax 7.25 % of 44.98 = 3.26105 → 3.26
    expect(preview).toMatchObject({
      subtotal: { amount: 4998 },
      discounts: [{ code, amount: { amount: 500 } }],
      shipping: { method: { id: express, name: 'Express' }, price: { amount: 1499 } },
      taxLines: [{ name: 'CA sales tax', rateBasisPoints: 725, amount: { amount: 326 } }],
      total: { amount: 4498 + 1499 + 326, currency: 'USD' },
    });
    expect(preview.lines[0]).toMatchObject({ product: { id: product, name: expect.stringContaining('Checkout lamp') }, quantity: 2, unitPrice: { amount: PRICE } });
    total = preview.total.amount;

    const email = `${uniqueId('guest')}@example.com`;
    const placed = ok(
      await call(PLACE, { input: { idempotencyKey: randomUUID(), cartId, email, shippingAddress: california, paymentToken: 'tok_visa', shippingMethodId: express, expectedTotal: total } }),
      'placeOrder',
    ).placeOrder;
    expect(placed.errors).toEqual([]);
    expect(placed.order).toMatchObject({ total: { amount: total }, email, guest: true, shippingMethod: { name: 'Express', price: { amount: 1499 } } });
    orderId = placed.order.id;
    orderToken = placed.orderToken;
    expect(orderToken).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Live, anonymous, with the token: the current state first, then every change up to CONFIRMED.
    const live = watch(connect(), { id: orderId, t: orderToken });
    await eventually(async () => {
      if (live.error || live.completed) throw new Error(`subscription ended: ${JSON.stringify(live.error ?? live.messages)}`);
      return live.events().some((e) => e.status === 'CONFIRMED') ? true : undefined;
    }, 60_000);
    const events = live.events();
    expect(events.map((e) => e.version)).toEqual([...events.map((e) => e.version)].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({ status: 'CONFIRMED', order: { id: orderId, status: 'CONFIRMED', total: { amount: total }, guest: true, items: [{ quantity: 2, product: { name: expect.stringContaining('Checkout lamp') } }] } });
    expect(live.messages.every((m) => !m.errors)).toBe(true);

    const read = ok(await call(BY_TOKEN, { t: orderToken }), 'orderByToken').orderByToken;
    expect(read).toMatchObject({ id: orderId, status: 'CONFIRMED', total: { amount: total }, discountTotal: { amount: 500 }, shippingTotal: { amount: 1499 }, taxTotal: { amount: 326 }, email, guest: true });
    // The payment provider charged exactly the preview's total (read by an ADMIN).
    const payment = ok(await call('query($id: ID!) { order(id: $id) { payment { status amount { amount } } } }', { id: orderId }, admin), 'order').order.payment;
    expect(payment).toEqual({ status: 'CAPTURED', amount: { amount: total } });
    // The checked-out guest cart is gone.
    expect(ok(await call('query($c: ID!) { guestCart(cartId: $c) { id } }', { c: cartId }), 'guestCart').guestCart).toBeNull();
  });

  it('a wrong token gets nothing: orderByToken is null, and live tracking says NOT_FOUND exactly as for an order that does not exist', async () => {
    const wrong = `${orderToken.slice(0, -2)}${orderToken.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(ok(await call(BY_TOKEN, { t: wrong }), 'orderByToken').orderByToken).toBeNull();
    expect(ok(await call(BY_TOKEN, { t: randomUUID() }), 'orderByToken').orderByToken).toBeNull();

    const client = connect();
    const missingId = randomUUID();
    const wrongToken = watch(client, { id: orderId, t: wrong });
    const noSuchOrder = watch(client, { id: missingId, t: wrong });
    // The right token names its own order only.
    const otherOrder = watch(client, { id: missingId, t: orderToken });
    const noToken = watch(client, { id: orderId });
    await eventually(async () => ([wrongToken, noSuchOrder, otherOrder, noToken].every((w) => w.completed) ? true : undefined), 30_000);
    const only = (w: ReturnType<typeof watch>) => {
      expect(w.messages).toHaveLength(1);
      expect(w.messages[0].data ?? null).toBeNull();
      return w.messages[0].errors!;
    };
    const [a] = only(wrongToken);
    const [b] = only(noSuchOrder);
    const [c] = only(otherOrder);
    expect(a).toMatchObject({ message: `Order ${orderId} not found`, extensions: { code: 'NOT_FOUND' } });
    expect(b).toMatchObject({ message: `Order ${missingId} not found`, extensions: { code: 'NOT_FOUND' } });
    expect(c).toMatchObject({ message: `Order ${missingId} not found`, extensions: { code: 'NOT_FOUND' } });
    // Same shape either way: nothing tells an existing order from a missing one.
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect(only(noToken)[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('signed-in customers and guest carts', () => {
  it('merges a guest cart at sign-in: quantities add up, the codes come along, the guest cart is gone; the order carries the account email', async () => {
    const email = `${uniqueId('merge')}@example.com`;
    const user = ok(
      await call('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }', { i: { email, password: 'Buyer123!secret', name: 'Mia Merge' } }),
      'register',
    ).register.accessToken as string;
    expect(ok(await call(ADD, { p: product, q: 1 }, user), 'addToCart').addToCart.errors).toEqual([]);
    const guestCart = ok(await call(ADD, { p: product, q: 3 }), 'addToCart').addToCart.cart.id;
    ok(await call(APPLY, { code, c: guestCart }), 'applyPromotionCode');

    const merged = ok(await call(`mutation($c: ID!) { mergeGuestCart(cartId: $c) { cart { ${CART} } errors { code message } } }`, { c: guestCart }, user), 'mergeGuestCart').mergeGuestCart;
    expect(merged.errors).toEqual([]);
    expect(merged.cart).toMatchObject({ items: [{ product: { id: product }, quantity: 4 }], itemCount: 4, promotionCodes: [code] });
    expect(ok(await call('query($c: ID!) { guestCart(cartId: $c) { id } }', { c: guestCart }), 'guestCart').guestCart).toBeNull();
    expect(ok(await call(`mutation($c: ID!) { mergeGuestCart(cartId: $c) { errors { code } } }`, { c: guestCart }, user), 'mergeGuestCart').mergeGuestCart.errors).toEqual([{ code: 'NOT_FOUND' }]);

    // Checkout uses the merged cart and its code; the order is the account's, with its email (orders learns it from users.v1).
    const placed = ok(
      await call('mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id guest discounts { code } items { quantity } } orderToken errors { code message } } }', { input: { idempotencyKey: randomUUID(), shippingAddress: california, paymentToken: 'tok_visa' } }, user),
      'placeOrder',
    ).placeOrder;
    expect(placed).toMatchObject({ orderToken: null, errors: [], order: { guest: false, discounts: [{ code }], items: [{ quantity: 4 }] } });
    const withEmail = await eventually(async () => {
      const res = await call('query($id: ID!) { order(id: $id) { email } }', { id: placed.order.id }, user);
      return res.body.data?.order?.email ?? undefined;
    }, 30_000);
    expect(withEmail).toBe(email);
  });
});

describe('promotions by category, and guest orders after email verification', () => {
  it('a code limited to the product\'s category (books) discounts it; one limited to another category is refused, saying why', async () => {
    const create = async (categorySlugs: string[]) => {
      const c = uniqueId('CAT').replace(/[^A-Za-z0-9]/g, '').slice(0, 20).toUpperCase();
      const res = ok(
        await call('mutation($input: PromotionInput!) { createPromotion(input: $input) { errors { code message } } }', { input: { name: `Only ${categorySlugs}`, code: c, kind: 'PERCENTAGE', value: 2000, categorySlugs } }, admin),
        'createPromotion',
      );
      expect(res.createPromotion.errors).toEqual([]);
      return c;
    };
    const [books, other] = await Promise.all([create(['books']), create(['garden-tools'])]);
    const cartId = ok(await call(ADD, { p: product, q: 1 }), 'addToCart').addToCart.cart.id;
    const previewWith = async (c: string) => ok(await call(PREVIEW, { input: { cartId, shippingAddress: california, promotionCodes: [c] } }), 'checkoutPreview').checkoutPreview;
    const discounted = await previewWith(books);
    expect(discounted.errors).toEqual([]);
    // 20 % of 24.99 = 4.998 → 5.00
    expect(discounted).toMatchObject({ discounts: [{ code: books, amount: { amount: 500 } }], lines: [{ product: { id: product }, discount: { amount: 500 } }] });
    const refused = await previewWith(other);
    expect(refused.discountTotal.amount).toBe(0);
    expect(refused.errors).toEqual([{ code: 'PROMOTION_INVALID', message: expect.stringContaining('garden-tools') }]);
  });

  it("a guest's order joins the account registered with its email only once the account verified it", async () => {
    const email = `${uniqueId('linked')}@example.com`;
    const placed = ok(
      await call(PLACE, { input: { idempotencyKey: randomUUID(), items: [{ productId: product, quantity: 1 }], email: email.toUpperCase(), shippingAddress: california, paymentToken: 'tok_visa' } }),
      'placeOrder',
    ).placeOrder;
    expect(placed.errors).toEqual([]);
    const registered = ok(
      await call('mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } errors { code } } }', { i: { email, password: 'Buyer123!secret', name: 'Gus Guest' } }),
      'register',
    ).register;
    const myOrders = async () => ok(await call('{ me { emailVerified orders(first: 10) { totalCount edges { node { id guest } } } } }', {}, registered.accessToken), 'me').me;
    // The mailed verification link's token (users.v1 EmailVerificationRequested, read from the users outbox).
    const users = (shop.services.users!.instance as { dataSource: DataSource }).dataSource;
    const [row] = await users.query(`SELECT envelope FROM outbox WHERE key = $1 AND envelope->>'type' = 'EmailVerificationRequested'`, [registered.user.id]);
    // Registered, not verified: orders has heard of the account (Order.email of its orders) and still shows it none of the guest's.
    const orders = (shop.services.orders!.instance as { dataSource: DataSource }).dataSource;
    await eventually(async () => ((await orders.query('SELECT 1 FROM customer_emails WHERE customer_id = $1', [registered.user.id])).length === 1 ? true : undefined), 30_000);
    expect(await myOrders()).toEqual({ emailVerified: false, orders: { totalCount: 0, edges: [] } });

    const verified = ok(await call('mutation($t: String!) { verifyEmail(token: $t) { user { emailVerified } errors { code } } }', { t: row.envelope.payload.token }), 'verifyEmail').verifyEmail;
    expect(verified).toEqual({ user: { emailVerified: true }, errors: [] });
    const linked = await eventually(async () => {
      const me = await myOrders();
      return me.orders.totalCount === 1 ? me.orders : undefined;
    }, 30_000);
    expect(linked.edges).toEqual([{ node: { id: placed.order.id, guest: true } }]);
  });
});
