import { randomUUID } from 'node:crypto';
import { uniqueId, type GraphQLResponse } from '@shopgraph/testkit';
import { startShop, waitUntilOrderable, type Shop } from './fixtures/shop';
import { startKafkaTap, type KafkaTap } from './fixtures/kafka-tap';
import { finalOrders as finalOrdersOf, ok, ordersById as ordersByIdOf } from './fixtures/orders';

// The order saga end to end, through the gateway over HTTP as a client would: users, products,
// inventory, reviews and orders on their real stores, payments against the payment provider
// sandbox, Kafka in between. inventory and payments run as real child processes so that a test
// can SIGKILL one mid-saga. Every test asserts the order's final status, the stock (through the
// gateway) and the charges the provider holds for the order.

jest.setTimeout(120_000);

/** Timers long enough that no sweeper cancels an order while a killed service restarts. */
const ORDERS_ENV = { RESERVATION_TIMEOUT_SECONDS: '120', PAYMENT_TIMEOUT_SECONDS: '120', PG_CONNECT_TIMEOUT_MS: '15000' };
/** A short provider timeout (the slow-sandbox tests) and a short lease, so recovery after a crash is quick. */
const PAYMENTS_ENV = { PROVIDER_TIMEOUT_MS: '1500', PROVIDER_RETRIES: '2', PENDING_LEASE_MS: '10000', RECOVERY_INTERVAL_MS: '500' };

/**
 * This suite proves the saga's outcomes (exactly one final state, stock never negative, one charge),
 * not latency: 100 concurrent placeOrders on a 2-core CI machine queue behind orders' connection pool
 * past the gateway's 3 s subgraph deadline, so orders gets a longer one here. Latency lives in
 * bench/saga.mjs.
 */
const GATEWAY_ENV = { ORDERS_SUBGRAPH_TIMEOUT_MS: '20000' };

let shop: Shop;
let tap: KafkaTap;
let admin: string;
let alice: string;

beforeAll(async () => {
  shop = await startShop({ saga: true, processes: ['inventory', 'payments'], env: { orders: ORDERS_ENV, payments: PAYMENTS_ENV, gateway: GATEWAY_ENV } });
  tap = await startKafkaTap(shop.topicPrefix);
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
  alice = await shop.login('alice@shopgraph.local', 'Customer123!');
}, 180_000);

afterEach(() => shop?.sandbox.setMode({ mode: 'normal' }));

afterAll(async () => {
  await tap?.stop();
  await shop?.stop();
});

// ───────────── helpers (all through the gateway) ─────────────

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const address = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const ORDER_FIELDS = 'id status cancellationReason version total { amount currency } history { status reason }';

interface OrderView {
  id: string;
  status: string;
  cancellationReason: string | null;
  version: number;
  total: { amount: number; currency: string };
  history: { status: string; reason: string | null }[];
}
interface Stock {
  onHand: number;
  reserved: number;
  available: number;
}


/** A product of its own for one test: created as ADMIN with `stock` units, visible in stock and orderable. */
async function newProduct(stock: number, price = 2500): Promise<{ id: string; price: number }> {
  const sku = uniqueId('SAGA').toUpperCase();
  const created = ok(
    await shop.call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }',
      { input: { sku, name: `Saga test ${sku}`, description: 'A product of one saga test', categorySlug: 'books', price, initialStock: stock } },
      admin,
    ),
    'createProduct',
  ).createProduct;
  if (created.errors.length > 0) throw new Error(`createProduct: ${JSON.stringify(created.errors)}`);
  const id: string = created.product.id;
  await stockEventually(id, { onHand: stock, reserved: 0, available: stock }, 30_000);
  await waitUntilOrderable(shop, admin, id);
  return { id, price };
}

async function stockOf(productId: string): Promise<Stock | null> {
  const res = await shop.call('query($id: ID) { product(id: $id) { stock { onHand reserved available } } }', { id: productId });
  return res.body.data?.product?.stock ?? null;
}

/** Polls the stock until it equals `expected` (bounded), then asserts it. */
async function stockEventually(productId: string, expected: Stock, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: Stock | null = null;
  while (Date.now() < deadline) {
    last = await stockOf(productId);
    if (last && last.onHand === expected.onHand && last.reserved === expected.reserved && last.available === expected.available) break;
    await sleep(50);
  }
  expect(last).toEqual(expected);
}

interface PlaceOptions {
  items?: { productId: string; quantity: number }[];
  paymentToken?: string;
  idempotencyKey?: string;
}
const PLACE_ORDER = `mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER_FIELDS} } errors { code message } } }`;

function placeOrderRaw(token: string, options: PlaceOptions): Promise<GraphQLResponse> {
  const input = {
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
    ...(options.items ? { items: options.items } : {}),
    shippingAddress: address,
    paymentToken: options.paymentToken ?? 'tok_visa',
  };
  return shop.call(PLACE_ORDER, { input }, token);
}

/** Places an order and returns it as placeOrder answered (PENDING). */
async function placeOrder(token: string, options: PlaceOptions): Promise<OrderView> {
  const payload = ok(await placeOrderRaw(token, options), 'placeOrder').placeOrder;
  if (payload.errors.length > 0 || !payload.order) throw new Error(`placeOrder refused: ${JSON.stringify(payload.errors)}`);
  return payload.order;
}

/** The orders (as ADMIN), 20 per request. */
const ordersById = (ids: string[]) => ordersByIdOf<OrderView>(shop, admin, ids, ORDER_FIELDS);

/** Polls until every order has a final status (bounded); returns them. */
const finalOrders = (ids: string[], timeoutMs = 60_000) => finalOrdersOf<OrderView>(shop, admin, ids, ORDER_FIELDS, { timeoutMs, intervalMs: 50 });

async function finalOrder(id: string, timeoutMs?: number): Promise<OrderView> {
  return (await finalOrders([id], timeoutMs)).get(id)!;
}

const chargesFor = (orderId: string) => shop.sandbox.charges().filter((c) => c.metadata.order_id === orderId);
const historyOf = (order: OrderView) => order.history.map((h) => h.status);

async function paymentOf(token: string, orderId: string): Promise<Record<string, any> | null> {
  const data = ok(
    await shop.call(
      'query($id: ID!) { order(id: $id) { payment { status amount { amount currency } cardBrand cardLast4 failureReason refundedAmount { amount } } } }',
      { id: orderId },
      token,
    ),
    'order.payment',
  );
  return data.order.payment;
}

/** A new customer, registered through the gateway; returns its access token. */
async function newCustomer(): Promise<string> {
  const email = `${uniqueId('buyer')}@example.com`;
  const data = ok(
    await shop.call('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code message } } }', {
      i: { email, password: 'Buyer123!secret', name: 'Concurrent Buyer' },
    }),
    'register',
  );
  if (!data.register.accessToken) throw new Error(`register refused: ${JSON.stringify(data.register.errors)}`);
  return data.register.accessToken;
}

/** The payments process's circuit breaker: 0 closed, 1 half-open, 2 open (from its /metrics). */
async function breakerState(): Promise<number | null> {
  try {
    const text = await (await fetch(new URL('/metrics', shop.services.payments!.url))).text();
    const match = /^payment_provider_breaker_state(?:\{[^}]*\})? (\d+)/m.exec(text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

async function until<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ───────────── the saga ─────────────

describe('order saga through the gateway', () => {
  it('checks out the cart: CONFIRMED, stock sold, cart empty, exactly one charge, payment visible', async () => {
    const product = await newProduct(10, 2500);
    const cart = ok(await shop.call('mutation($p: ID!) { addToCart(productId: $p, quantity: 2) { cart { itemCount } errors { code } } }', { p: product.id }, alice), 'addToCart');
    expect(cart.addToCart).toEqual({ cart: { itemCount: 2 }, errors: [] });

    const placed = await placeOrder(alice, {}); // no items: the cart is checked out
    expect(placed).toMatchObject({ status: 'PENDING', version: 1, total: { amount: 5000, currency: 'USD' } });

    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ status: 'CONFIRMED', cancellationReason: null, version: 3 });
    expect(historyOf(order)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    await stockEventually(product.id, { onHand: 8, reserved: 0, available: 8 });

    const after = ok(await shop.call('{ cart { itemCount items { quantity } } }', {}, alice), 'cart');
    expect(after.cart).toEqual({ itemCount: 0, items: [] });

    const charges = chargesFor(order.id);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount: 5000, currency: 'usd', amount_refunded: 0, card: { brand: 'visa', last4: '4242' } });
    expect(await paymentOf(alice, order.id)).toMatchObject({
      status: 'CAPTURED',
      amount: { amount: 5000, currency: 'USD' },
      cardBrand: 'visa',
      cardLast4: '4242',
      refundedAmount: { amount: 0 },
    });
  });

  it('a declined card: CANCELLED(PAYMENT_DECLINED), stock released, no charge', async () => {
    const product = await newProduct(5);
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 2 }], paymentToken: 'tok_chargeDeclined' });

    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_DECLINED', version: 3 });
    expect(historyOf(order)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CANCELLED']);
    await stockEventually(product.id, { onHand: 5, reserved: 0, available: 5 });
    expect(chargesFor(order.id)).toHaveLength(0);
    expect(await paymentOf(alice, order.id)).toMatchObject({ status: 'DECLINED', cardBrand: null });
  });

  it('more than is available: CANCELLED(OUT_OF_STOCK), stock untouched, no payment', async () => {
    const product = await newProduct(3);
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 4 }] });

    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'OUT_OF_STOCK', version: 2 });
    expect(historyOf(order)).toEqual(['PENDING', 'CANCELLED']);
    await stockEventually(product.id, { onHand: 3, reserved: 0, available: 3 });
    expect(chargesFor(order.id)).toHaveLength(0);
    expect(await paymentOf(alice, order.id)).toBeNull();
  });

  it('100 concurrent buyers of the last 5 units: exactly 5 CONFIRMED, 95 OUT_OF_STOCK, stock never negative, 5 charges', async () => {
    const product = await newProduct(5);
    const customers = await Promise.all(Array.from({ length: 10 }, () => newCustomer()));

    // Watch the stock the whole time: it must never go negative or oversold.
    const seen: Stock[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const stock = await stockOf(product.id);
        if (stock) seen.push(stock);
        await sleep(10);
      }
    })();

    const t0 = Date.now();
    const placed = await Promise.all(
      Array.from({ length: 100 }, (_, i) => placeOrder(customers[i % customers.length], { items: [{ productId: product.id, quantity: 1 }] })),
    );
    const ids = placed.map((o) => o.id);
    expect(new Set(ids).size).toBe(100);
    const orders = [...(await finalOrders(ids, 90_000)).values()];
    const settledMs = Date.now() - t0;
    await stockEventually(product.id, { onHand: 0, reserved: 0, available: 0 });
    watching = false;
    await watcher;

    const confirmed = orders.filter((o) => o.status === 'CONFIRMED');
    const outOfStock = orders.filter((o) => o.status === 'CANCELLED' && o.cancellationReason === 'OUT_OF_STOCK');
    expect(confirmed).toHaveLength(5);
    expect(outOfStock).toHaveLength(95);
    expect(seen.length).toBeGreaterThan(5);
    for (const s of seen) {
      expect(s.onHand).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeGreaterThanOrEqual(0);
      expect(s.available).toBeGreaterThanOrEqual(0);
      expect(s.reserved).toBeLessThanOrEqual(s.onHand);
    }
    const charges = ids.flatMap(chargesFor);
    expect(charges).toHaveLength(5);
    expect(new Set(charges.map((c) => c.metadata.order_id))).toEqual(new Set(confirmed.map((o) => o.id)));
    console.log(`[saga] 100 concurrent orders for 5 units settled in ${settledMs} ms; ${seen.length} stock samples, none negative`);
  });

  it('the same idempotencyKey 20 times at once: one order, one charge', async () => {
    const product = await newProduct(10);
    const count = async () => ok(await shop.call('{ me { orders(first: 1) { totalCount } } }', {}, alice), 'me.orders').me.orders.totalCount as number;
    const before = await count();
    const idempotencyKey = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => placeOrderRaw(alice, { idempotencyKey, items: [{ productId: product.id, quantity: 1 }] })),
    );
    const payloads = answers.map((res) => ok(res, 'placeOrder').placeOrder);
    for (const p of payloads) expect(p.errors).toEqual([]);
    const ids = new Set(payloads.map((p) => p.order.id));
    expect(ids.size).toBe(1);
    const [id] = ids;

    const order = await finalOrder(id);
    expect(order).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(await count()).toBe(before + 1);
    expect(chargesFor(id)).toHaveLength(1);
    await stockEventually(product.id, { onHand: 9, reserved: 0, available: 9 });
    expect(tap.of('ReserveStock', id)).toHaveLength(1);
  });

  it('events and commands delivered twice change nothing', async () => {
    const product = await newProduct(10);
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
    const order = await finalOrder(placed.id);
    expect(order.status).toBe('CONFIRMED');
    await stockEventually(product.id, { onHand: 9, reserved: 0, available: 9 });
    const commit = await tap.waitFor((m) => m.envelope.type === 'StockCommitted' && m.envelope.aggregateId === order.id);
    expect(commit).toBeDefined();
    expect(chargesFor(order.id)).toHaveLength(1);

    const groups = {
      // The groups the services join: their KAFKA_GROUP_ID in the shop's namespace.
      orders: shop.namespace.group(shop.services.orders!.env.KAFKA_GROUP_ID),
      inventory: shop.namespace.group(shop.services.inventory!.env.KAFKA_GROUP_ID),
      payments: shop.namespace.group(shop.services.payments!.env.KAFKA_GROUP_ID),
    };
    // Each captured message again, same envelope id, to the service that consumed it the first time.
    const again: [keyof typeof groups, string][] = [
      ['inventory', 'ReserveStock'],
      ['orders', 'StockReserved'],
      ['payments', 'AuthorizePayment'],
      ['orders', 'PaymentCaptured'],
      ['inventory', 'CommitStock'],
    ];
    for (const [service, type] of again) {
      const [original] = tap.of(type, order.id);
      expect(original).toBeDefined();
      const at = await tap.redeliver(original.topic, original.envelope);
      await tap.consumedPast(groups[service], original.topic, at.partition, at.offset);
    }
    // And AuthorizePayment re-sent as a new command (fresh id): payments re-announces its outcome, orders ignores it.
    const [authorize] = tap.of('AuthorizePayment', order.id);
    await tap.redeliver(authorize.topic, { ...authorize.envelope, id: randomUUID() });
    const reannounced = await tap.waitFor(
      (m) => m.envelope.type === 'PaymentCaptured' && m.envelope.aggregateId === order.id && m.envelope.id !== tap.of('PaymentCaptured', order.id)[0].envelope.id,
    );
    await tap.consumedPast(groups.orders, reannounced.topic, reannounced.partition, reannounced.offset);

    const after = await finalOrder(order.id);
    expect(after).toEqual(order); // same status, version 3, same history
    await stockEventually(product.id, { onHand: 9, reserved: 0, available: 9 });
    expect(chargesFor(order.id)).toHaveLength(1);
    expect(shop.sandbox.refunds().filter((r) => r.charge === chargesFor(order.id)[0].id)).toHaveLength(0);
    // Nothing new came out of orders or inventory for this order.
    const ids = (type: string) => new Set(tap.of(type, order.id).map((m) => m.envelope.id)).size;
    expect([ids('OrderStatusChanged'), ids('CommitStock'), ids('StockReserved'), ids('StockCommitted'), ids('ReleaseStock')]).toEqual([3, 1, 1, 1, 0]);
  });

  it('cancel after CONFIRMED: CANCELLED(CUSTOMER_REQUEST), the full amount refunded, stock back on hand', async () => {
    const product = await newProduct(6, 1999);
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 2 }] });
    expect((await finalOrder(placed.id)).status).toBe('CONFIRMED');
    await stockEventually(product.id, { onHand: 4, reserved: 0, available: 4 });

    const cancelled = ok(
      await shop.call(`mutation($id: ID!) { cancelOrder(id: $id) { order { ${ORDER_FIELDS} } errors { code message } } }`, { id: placed.id }, alice),
      'cancelOrder',
    ).cancelOrder;
    expect(cancelled.errors).toEqual([]);
    expect(cancelled.order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST', version: 4 });
    expect(historyOf(cancelled.order)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'CANCELLED']);

    const payment = await until(
      async () => {
        const p = await paymentOf(alice, placed.id);
        return p?.status === 'REFUNDED' ? p : undefined;
      },
      20_000,
      'payment REFUNDED',
    );
    expect(payment).toMatchObject({ status: 'REFUNDED', amount: { amount: 3998 }, refundedAmount: { amount: 3998 } });
    const [charge] = chargesFor(placed.id);
    expect(chargesFor(placed.id)).toHaveLength(1);
    expect(charge).toMatchObject({ amount: 3998, amount_refunded: 3998, refunded: true });
    expect(shop.sandbox.refunds().filter((r) => r.charge === charge.id).map((r) => r.amount)).toEqual([3998]);
    await stockEventually(product.id, { onHand: 6, reserved: 0, available: 6 });
    expect((await finalOrder(placed.id)).version).toBe(4);
  });
});

describe('provider trouble', () => {
  it('a charge that times out after the provider made it is reconciled, not doubled: CONFIRMED with one charge', async () => {
    const product = await newProduct(5);
    // Slower than PROVIDER_TIMEOUT_MS (1500): the sandbox charges at once, then answers too late.
    shop.sandbox.setMode({ mode: 'slow', delayMs: 2500 });
    const requestsBefore = shop.sandbox.requestCount();
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
    await until(async () => chargesFor(placed.id).length > 0, 20_000, 'the charge reaches the sandbox');
    // The provider is fine again; the first answer still arrives after the client gave up.
    shop.sandbox.setMode({ mode: 'normal' });

    const order = await finalOrder(placed.id);
    expect(order).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(chargesFor(placed.id)).toHaveLength(1);
    // At least the timed-out charge and the reconciling lookup.
    expect(shop.sandbox.requestCount() - requestsBefore).toBeGreaterThanOrEqual(2);
    expect(await paymentOf(alice, placed.id)).toMatchObject({ status: 'CAPTURED', cardLast4: '4242' });
    await stockEventually(product.id, { onHand: 4, reserved: 0, available: 4 });
  });

  it('provider outage: the breaker opens, orders fail fast as PAYMENT_FAILED, and orders succeed again once the provider is back', async () => {
    const product = await newProduct(20);
    const payments = shop.services.payments!;
    await payments.restart({ BREAKER_VOLUME_THRESHOLD: '2', BREAKER_ERROR_THRESHOLD_PERCENT: '50', BREAKER_WINDOW_MS: '30000', BREAKER_RESET_MS: '3000' });
    try {
      shop.sandbox.setMode({ mode: 'fail' });
      const t0 = Date.now();
      const first = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
      expect(await finalOrder(first.id)).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_FAILED' });
      const firstMs = Date.now() - t0;
      expect(await until(async () => (await breakerState()) === 2, 5000, 'breaker open')).toBe(true);

      // Open breaker: no provider call at all, every order fails fast.
      const requestsBefore = shop.sandbox.requestCount();
      const timed = await Promise.all(
        Array.from({ length: 5 }, async () => {
          const start = Date.now();
          const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
          const order = await finalOrder(placed.id);
          return { order, ms: Date.now() - start };
        }),
      );
      for (const { order } of timed) expect(order).toMatchObject({ status: 'CANCELLED', cancellationReason: 'PAYMENT_FAILED', version: 3 });
      expect(shop.sandbox.requestCount()).toBe(requestsBefore);
      const slowest = Math.max(...timed.map((t) => t.ms));
      expect(slowest).toBeLessThan(3000);
      for (const { order } of [...timed, { order: first }]) expect(chargesFor(order.id)).toHaveLength(0);
      expect(await paymentOf(alice, timed[0].order.id)).toMatchObject({ status: 'FAILED' });
      await stockEventually(product.id, { onHand: 20, reserved: 0, available: 20 });

      // The provider recovers; after BREAKER_RESET_MS the breaker lets a probe through and closes.
      shop.sandbox.setMode({ mode: 'normal' });
      const reopenedAfter = Date.now();
      await until(async () => (await breakerState()) !== 2, 10_000, 'breaker half-open');
      const healed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
      expect(await finalOrder(healed.id)).toMatchObject({ status: 'CONFIRMED', version: 3 });
      expect(chargesFor(healed.id)).toHaveLength(1);
      expect(await breakerState()).toBe(0);
      await stockEventually(product.id, { onHand: 19, reserved: 0, available: 19 });
      console.log(
        `[saga] outage: first order failed in ${firstMs} ms (retries), then 5 orders with the breaker open failed in ≤ ${slowest} ms ` +
          `(${timed.map((t) => t.ms).join('/')} ms) with no provider call; breaker half-open ${Date.now() - reopenedAfter} ms after recovery`,
      );
    } finally {
      shop.sandbox.setMode({ mode: 'normal' });
      await payments.restart();
    }
  });
});

describe('a service killed mid-saga', () => {
  it('payments SIGKILLed while the charge is in flight: after a restart the order is CONFIRMED with exactly one charge', async () => {
    const product = await newProduct(4);
    const payments = shop.services.payments!;
    expect(payments.mode).toBe('process');
    shop.sandbox.setMode({ mode: 'slow', delayMs: 1000 }); // below PROVIDER_TIMEOUT_MS: a call in flight, not a timeout
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
    await until(async () => chargesFor(placed.id).length > 0, 20_000, 'the charge reaches the sandbox');
    await payments.kill(); // the provider has charged; payments never hears the answer
    shop.sandbox.setMode({ mode: 'normal' });
    const during = (await ordersById([placed.id])).get(placed.id)!;
    expect(during.status).toBe('AWAITING_PAYMENT');

    await payments.start(); // same port, database and consumer group
    const order = await finalOrder(placed.id, 60_000);
    expect(order).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(chargesFor(placed.id)).toHaveLength(1);
    expect(await paymentOf(alice, placed.id)).toMatchObject({ status: 'CAPTURED', cardLast4: '4242' });
    await stockEventually(product.id, { onHand: 3, reserved: 0, available: 3 });
  });

  it('inventory SIGKILLed right after ReserveStock was produced: after a restart the order is CONFIRMED, stock right, one charge', async () => {
    const product = await newProduct(4);
    const inventory = shop.services.inventory!;
    expect(inventory.mode).toBe('process');
    const placed = await placeOrder(alice, { items: [{ productId: product.id, quantity: 2 }] });
    await tap.waitFor((m) => m.envelope.type === 'ReserveStock' && m.envelope.aggregateId === placed.id, 20_000);
    await inventory.kill();
    const during = (await ordersById([placed.id])).get(placed.id)!;
    expect(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']).toContain(during.status);
    expect(await stockOf(product.id)).toBeNull(); // inventory is really gone

    await inventory.start();
    const order = await finalOrder(placed.id, 60_000);
    expect(order).toMatchObject({ status: 'CONFIRMED', version: 3 });
    expect(historyOf(order)).toEqual(['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED']);
    await stockEventually(product.id, { onHand: 2, reserved: 0, available: 2 });
    expect(chargesFor(placed.id)).toHaveLength(1);
    // Whatever was redelivered after the crash was applied once: one reservation, one commit.
    expect(new Set(tap.of('StockReserved', placed.id).map((m) => m.envelope.id)).size).toBe(1);
  });
});
