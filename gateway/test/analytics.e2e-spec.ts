import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase, gql, namespaceEnv, stackEnv, TEST_INTERNAL_PUBLIC_KEYS, uniqueId, type GraphQLResponse } from '@shopgraph/testkit';
import { createAnalyticsService, loadAnalyticsConfig, type AnalyticsService } from '@shopgraph/analytics';
import { startShop, waitUntilOrderable, type Shop } from './fixtures/shop';

// Sales analytics (api-next/analytics.graphql) end to end: the whole shop on the real stack, the
// analytics subgraph consuming its orders.v1 and payments.v1, and a gateway routing to it. Orders
// are placed, confirmed, declined and cancelled with a refund through the gateway as a client
// would; the reports must move by exactly what happened. A second analytics service then replays
// the topics from the beginning into an empty database and must report the same.

jest.setTimeout(240_000);

let shop: Shop;
let gatewayUrl: string;
let admin: string;
let analytics: AnalyticsService;
const cleanups: (() => Promise<unknown>)[] = [];

async function startAnalytics(): Promise<{ service: AnalyticsService; url: string }> {
  const db = await createTestDatabase('e2e_analytics');
  cleanups.push(db.drop);
  const service = await createAnalyticsService(
    loadAnalyticsConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      ...namespaceEnv(),
      PORT: '0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      KAFKA_GROUP_ID: uniqueId('e2e-analytics'),
      INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
    }),
  );
  cleanups.unshift(() => service.stop());
  return { service, url: (await service.start()).url };
}

beforeAll(async () => {
  shop = await startShop({ saga: true });
  const started = await startAnalytics();
  analytics = started.service;
  gatewayUrl = (await shop.startGateway({ ANALYTICS_SUBGRAPH_URL: started.url })).url;
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
}, 240_000);

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

const instance = (name: 'orders' | 'payments') => (shop.services[name]!.instance as { dataSource: DataSource }).dataSource;
const count = async (ds: DataSource, sql: string, params: unknown[] = []) => Number((await ds.query(sql, params))[0].n);

/**
 * Waits until `service` has folded every fact the shop has recorded so far: each OrderStatusChanged
 * and CartCreated in orders' outbox and each PaymentCaptured/PaymentRefunded in payments' has its
 * inbox row in analytics.
 */
async function settled(service: AnalyticsService, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const published =
      (await count(instance('orders'), `SELECT count(*)::int AS n FROM outbox WHERE envelope->>'type' IN ('OrderStatusChanged', 'CartCreated')`)) +
      (await count(instance('payments'), `SELECT count(*)::int AS n FROM outbox WHERE envelope->>'type' IN ('PaymentCaptured', 'PaymentRefunded')`));
    const folded = await count(service.dataSource, 'SELECT count(*)::int AS n FROM inbox');
    if (folded === published) return;
    if (Date.now() > deadline) throw new Error(`analytics folded ${folded} of ${published} events`);
    await sleep(100);
  }
}

const FIGURES = `query ($from: DateTime!, $to: DateTime!) {
  sales: salesReport(from: $from, to: $to, interval: DAY) { ordersPlaced ordersConfirmed ordersCancelled itemsSold revenue { amount } refunds { amount } netRevenue { amount } }
  top: topProducts(from: $from, to: $to, first: 50) { product { id name sku } unitsSold revenue { amount currency } }
  funnel: checkoutFunnel(from: $from, to: $to) { cartsCreated ordersPlaced ordersConfirmed conversionRate }
  cancellations(from: $from, to: $to) { reason count } }`;

interface Figures {
  ordersPlaced: number;
  ordersConfirmed: number;
  ordersCancelled: number;
  itemsSold: number;
  revenue: number;
  refunds: number;
  netRevenue: number;
  top: Map<string, { name: string; sku: string; unitsSold: number; revenue: number }>;
  funnel: { cartsCreated: number; ordersPlaced: number; ordersConfirmed: number };
  cancellations: Map<string, number>;
}

async function figures(range: { from: string; to: string }, token = admin): Promise<Figures> {
  const data = ok(await call(FIGURES, range, token), 'analytics');
  const sum = (field: string, money = false) => data.sales.reduce((s: number, b: any) => s + (money ? b[field].amount : b[field]), 0);
  return {
    ordersPlaced: sum('ordersPlaced'),
    ordersConfirmed: sum('ordersConfirmed'),
    ordersCancelled: sum('ordersCancelled'),
    itemsSold: sum('itemsSold'),
    revenue: sum('revenue', true),
    refunds: sum('refunds', true),
    netRevenue: sum('netRevenue', true),
    top: new Map(data.top.map((p: any) => [p.product.id, { name: p.product.name, sku: p.product.sku, unitsSold: p.unitsSold, revenue: p.revenue.amount }])),
    funnel: data.funnel,
    cancellations: new Map(data.cancellations.map((c: any) => [c.reason, c.count])),
  };
}

async function newProduct(price: number): Promise<{ id: string; sku: string; name: string }> {
  const sku = uniqueId('AN').toUpperCase();
  const name = `Analytics test ${sku}`;
  const created = ok(
    await call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }',
      { input: { sku, name, description: 'A product of the analytics test', categorySlug: 'books', price, initialStock: 50 } },
      admin,
    ),
    'createProduct',
  ).createProduct;
  if (created.errors.length > 0) throw new Error(`createProduct: ${JSON.stringify(created.errors)}`);
  await waitUntilOrderable(shop, admin, created.product.id);
  return { id: created.product.id, sku, name };
}

async function newCustomer(): Promise<string> {
  const data = ok(
    await call('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { code } } }', {
      i: { email: `${uniqueId('analytics')}@example.com`, password: 'Buyer123!secret', name: 'Analytics Buyer' },
    }),
    'register',
  );
  return data.register.accessToken;
}

const address = { recipient: 'Ann Lytics', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

/** Adds the lines to the customer's cart and checks it out; returns the order once final. */
async function buy(token: string, lines: { productId: string; quantity: number }[], paymentToken: string): Promise<{ id: string; status: string; total: number }> {
  for (const line of lines) {
    const added = ok(await call('mutation($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { errors { code } } }', { p: line.productId, q: line.quantity }, token), 'addToCart');
    expect(added.addToCart.errors).toEqual([]);
  }
  const placed = ok(
    await call(
      'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code message } } }',
      { input: { idempotencyKey: randomUUID(), shippingAddress: address, paymentToken } },
      token,
    ),
    'placeOrder',
  ).placeOrder;
  expect(placed.errors).toEqual([]);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const order = ok(await call('query($id: ID!) { order(id: $id) { id status total { amount } } }', { id: placed.order.id }, token), 'order').order;
    if (order.status === 'CONFIRMED' || order.status === 'CANCELLED') return { id: order.id, status: order.status, total: order.total.amount };
    if (Date.now() > deadline) throw new Error(`order ${order.id} still ${order.status}`);
    await sleep(100);
  }
}

describe('sales analytics through the gateway', () => {
  const range = { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() };
  let before: Figures;
  let after: Figures;
  let lamp: { id: string; sku: string; name: string };
  let desk: { id: string; sku: string; name: string };
  const totals: number[] = [];

  it('moves every figure by exactly what the customers did: placed, confirmed, declined, cancelled and refunded', async () => {
    lamp = await newProduct(2500);
    desk = await newProduct(12000);
    const buyer = await newCustomer();
    await settled(analytics);
    before = await figures(range);

    // 1. Two lamps, paid: CONFIRMED.
    const first = await buy(buyer, [{ productId: lamp.id, quantity: 2 }], 'tok_visa');
    expect(first.status).toBe('CONFIRMED');
    // 2. A desk, card declined: CANCELLED(PAYMENT_DECLINED).
    const declined = await buy(buyer, [{ productId: desk.id, quantity: 1 }], 'tok_chargeDeclined');
    expect(declined.status).toBe('CANCELLED');
    // 3. A lamp and a desk, paid, then cancelled by the customer: refunded.
    const third = await buy(buyer, [{ productId: lamp.id, quantity: 1 }, { productId: desk.id, quantity: 1 }], 'tok_visa');
    expect(third.status).toBe('CONFIRMED');
    const cancelled = ok(await call('mutation($id: ID!) { cancelOrder(id: $id) { order { status cancellationReason } errors { code } } }', { id: third.id }, buyer), 'cancelOrder').cancelOrder;
    expect(cancelled).toEqual({ order: { status: 'CANCELLED', cancellationReason: 'CUSTOMER_REQUEST' }, errors: [] });
    totals.push(first.total, third.total);
    expect(totals).toEqual([5000, 14500]);
    // The refund goes through the saga and payments: wait until payments has announced it.
    const deadline = Date.now() + 30_000;
    while ((await count(instance('payments'), `SELECT count(*)::int AS n FROM outbox WHERE envelope->>'type' = 'PaymentRefunded' AND key = $1`, [third.id])) === 0) {
      if (Date.now() > deadline) throw new Error('no PaymentRefunded');
      await sleep(100);
    }
    await settled(analytics);
    after = await figures(range);

    expect({
      ordersPlaced: after.ordersPlaced - before.ordersPlaced,
      ordersConfirmed: after.ordersConfirmed - before.ordersConfirmed,
      ordersCancelled: after.ordersCancelled - before.ordersCancelled,
      itemsSold: after.itemsSold - before.itemsSold,
      revenue: after.revenue - before.revenue,
      refunds: after.refunds - before.refunds,
      netRevenue: after.netRevenue - before.netRevenue,
    }).toEqual({ ordersPlaced: 3, ordersConfirmed: 2, ordersCancelled: 2, itemsSold: 4, revenue: 5000 + 14500, refunds: 14500, netRevenue: 5000 });
    // Three carts: each checkout empties the cart, so each next first line makes a new one.
    expect({
      cartsCreated: after.funnel.cartsCreated - before.funnel.cartsCreated,
      ordersPlaced: after.funnel.ordersPlaced - before.funnel.ordersPlaced,
      ordersConfirmed: after.funnel.ordersConfirmed - before.funnel.ordersConfirmed,
    }).toEqual({ cartsCreated: 3, ordersPlaced: 3, ordersConfirmed: 2 });
    const reasons = (f: Figures, r: string) => f.cancellations.get(r) ?? 0;
    expect(reasons(after, 'PAYMENT_DECLINED') - reasons(before, 'PAYMENT_DECLINED')).toBe(1);
    expect(reasons(after, 'CUSTOMER_REQUEST') - reasons(before, 'CUSTOMER_REQUEST')).toBe(1);
  });

  it('topProducts resolves Product fields through the supergraph', async () => {
    // Confirmed units at the price ordered: lamp 2 + 1, desk 1 (the declined desk was never confirmed).
    expect(after.top.get(lamp.id)).toEqual({ name: lamp.name, sku: lamp.sku, unitsSold: 3, revenue: 7500 });
    expect(after.top.get(desk.id)).toEqual({ name: desk.name, sku: desk.sku, unitsSold: 1, revenue: 12000 });
    expect(before.top.has(lamp.id)).toBe(false);
  });

  it('refuses customers (FORBIDDEN) and anonymous callers (UNAUTHENTICATED)', async () => {
    const alice = await shop.login('alice@shopgraph.local', 'Customer123!');
    for (const query of [
      'query($from: DateTime!, $to: DateTime!) { salesReport(from: $from, to: $to, interval: DAY) { ordersPlaced } }',
      'query($from: DateTime!, $to: DateTime!) { topProducts(from: $from, to: $to) { unitsSold } }',
      'query($from: DateTime!, $to: DateTime!) { checkoutFunnel(from: $from, to: $to) { cartsCreated } }',
      'query($from: DateTime!, $to: DateTime!) { cancellations(from: $from, to: $to) { count } }',
    ]) {
      const asCustomer = await call(query, range, alice);
      expect(asCustomer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(asCustomer.body.data ?? null).toBeNull();
      const anonymous = await call(query, range);
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('a replay of the shop\'s topics from the beginning into an empty database reports the same figures', async () => {
    const replica = await startAnalytics();
    await settled(replica.service, 60_000);
    const replicaGateway = (await shop.startGateway({ ANALYTICS_SUBGRAPH_URL: replica.url })).url;
    const asReplica = ok(await gql(replicaGateway, FIGURES, range, { authorization: `Bearer ${admin}` }), 'replica figures');
    const asFirst = ok(await call(FIGURES, range, admin), 'figures');
    expect(asReplica).toEqual(asFirst);
  });
});
