import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually, gql } from '@shopgraph/testkit';
import { demoProducts } from '@shopgraph/demo-data';
import { startShop, type Shop } from './fixtures/shop';
import { gatewayAdminUrl } from '../src/gateway';

// End to end: live order tracking over graphql-ws against the real gateway and the real users,
// products, inventory, reviews, orders and payments subgraphs (and the payment sandbox) on the local stack.
// Order statuses move through the real saga over Kafka; clients are real graphql-ws clients.

jest.setTimeout(180_000);

/** The whole shop with the order saga (orders, payments, the sandbox) behind one gateway. */
// The fan-out test opens 500 sockets as one customer from one address; the per-client connection
// cap (tested in edge.e2e-spec) is lifted here so it measures delivery, not the cap.
const startTrackingShop = () =>
  startShop({ saga: true, env: { payments: { PROVIDER_TIMEOUT_MS: '5000' }, gateway: { SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: '1000' } } });

const PRODUCT = demoProducts.find((p) => p.initialStock >= 100)!;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function login(url: string, email: string, password: string): Promise<string> {
  const res = await gql(url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email, password } });
  const token = res.body.data?.login.accessToken;
  if (!token) throw new Error(`login failed for ${email}: ${res.text}`);
  return token;
}

const PLACE_ORDER = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status version } errors { code message } } }';
const address = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

async function placeOrder(url: string, token: string, paymentToken = 'tok_visa'): Promise<string> {
  const res = await gql(
    url,
    PLACE_ORDER,
    { input: { idempotencyKey: randomUUID(), items: [{ productId: PRODUCT.id, quantity: 1 }], shippingAddress: address, paymentToken } },
    bearer(token),
  );
  const order = res.body.data?.placeOrder.order;
  if (!order) throw new Error(`placeOrder failed: ${res.text}`);
  return order.id;
}

async function orderState(url: string, token: string, id: string): Promise<{ status: string; version: number }> {
  const res = await gql(url, 'query($id: ID!) { order(id: $id) { status version } }', { id }, bearer(token));
  return res.body.data!.order;
}

async function cancelOrder(url: string, token: string, id: string): Promise<void> {
  const res = await gql(url, 'mutation($id: ID!) { cancelOrder(id: $id) { order { status } errors { code message } } }', { id }, bearer(token));
  if (res.body.data?.cancelOrder.order?.status !== 'CANCELLED') throw new Error(`cancelOrder failed: ${res.text}`);
}

/** Places an order and waits until the saga has confirmed it (version 3). */
async function confirmedOrder(url: string, token: string): Promise<string> {
  const id = await placeOrder(url, token);
  await eventually(async () => ((await orderState(url, token, id)).status === 'CONFIRMED' ? true : undefined), 30_000);
  return id;
}

const clients: Client[] = [];
function connect(url: string, token?: string, options: Partial<Parameters<typeof createClient>[0]> = {}): Client {
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    ...options,
  });
  clients.push(client);
  return client;
}

type Message = ExecutionResult<Record<string, any>, unknown>;

/** One subscription and everything it received. */
interface Watch {
  messages: Message[];
  /** The events (data under the root field) received so far. */
  events(): any[];
  error: unknown;
  completed: boolean;
  /** Waits until `predicate(events)` holds. */
  until(predicate: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
  dispose(): void;
}

function watch(client: Client, query: string, variables: Record<string, unknown> = {}): Watch {
  const w: Watch = {
    messages: [],
    events: () => w.messages.filter((m) => m.data).map((m) => Object.values(m.data!)[0]),
    error: undefined,
    completed: false,
    until: (predicate, timeoutMs = 30_000) =>
      eventually(async () => {
        if (w.error) throw new Error(`subscription failed: ${JSON.stringify(w.error)}`);
        return predicate(w.events()) ? w.events() : undefined;
      }, timeoutMs),
    dispose: () => undefined,
  };
  w.dispose = client.subscribe(
    { query, variables },
    {
      next: (m) => void w.messages.push(m as Message),
      error: (e) => {
        const close = e as { code?: number; reason?: string };
        w.error = e instanceof Error ? e.message : close.code !== undefined ? { code: close.code, reason: close.reason } : e;
      },
      complete: () => {
        w.completed = true;
      },
    },
  );
  return w;
}

const ORDER_WATCH = `subscription Watch($id: ID!) {
  orderStatusChanged(orderId: $id) {
    status previousStatus reason version at
    order { id status version customer { name } items { quantity product { name } } payment { status } }
  }
}`;
const MY_ORDERS = 'subscription { myOrderUpdates { status previousStatus reason version order { id customer { id } } } }';
const statuses = (events: any[]) => events.map((e) => [e.version, e.status]);

let shop: Shop;
let alice: string;
let bob: string;
let aliceId: string;
let bobId: string;

beforeAll(async () => {
  shop = await startTrackingShop();
  [alice, bob] = await Promise.all([
    login(shop.gatewayUrl, 'alice@shopgraph.local', 'Customer123!'),
    login(shop.gatewayUrl, 'bob@shopgraph.local', 'Customer123!'),
  ]);
  const me = async (token: string) => (await gql(shop.gatewayUrl, '{ me { id } }', {}, bearer(token))).body.data!.me.id as string;
  [aliceId, bobId] = await Promise.all([me(alice), me(bob)]);
});

afterEach(async () => {
  shop?.sandbox.setMode({ mode: 'normal' });
  await Promise.allSettled(clients.splice(0).map((c) => c.dispose()));
});

afterAll(async () => {
  await shop?.stop();
});

describe('orderStatusChanged', () => {
  it('pushes the current state, then every later status through CONFIRMED in version order, with fields from orders, products and payments', async () => {
    shop.sandbox.setMode({ mode: 'slow', delayMs: 1500 });
    const client = connect(shop.gatewayUrl, alice);
    const mine = watch(client, MY_ORDERS);
    await new Promise((r) => setTimeout(r, 300)); // the subscription is registered before the order exists
    const orderId = await placeOrder(shop.gatewayUrl, alice);
    const live = watch(client, ORDER_WATCH, { id: orderId });

    const events = await live.until((e) => e.some((x) => x.status === 'CONFIRMED'));
    // First the state at subscribe time, then each later version exactly once, in order.
    const first = events[0].version;
    expect(events.map((e) => e.version)).toEqual([1, 2, 3].slice(first - 1));
    expect(statuses(events)).toEqual(
      [
        [1, 'PENDING'],
        [2, 'AWAITING_PAYMENT'],
        [3, 'CONFIRMED'],
      ].slice(first - 1),
    );
    const confirmed = events[events.length - 1];
    expect(confirmed).toMatchObject({
      status: 'CONFIRMED',
      previousStatus: 'AWAITING_PAYMENT',
      reason: null,
      version: 3,
      at: expect.any(String),
      order: {
        id: orderId,
        status: 'CONFIRMED',
        version: 3,
        customer: { name: 'Alice Martin' },
        items: [{ quantity: 1, product: { name: PRODUCT.name } }],
        payment: { status: 'CAPTURED' },
      },
    });
    expect(live.messages.every((m) => !m.errors)).toBe(true);

    // A subscription open before the order was placed sees its whole life.
    const all = await mine.until((e) => e.some((x) => x.order.id === orderId && x.status === 'CONFIRMED'));
    expect(all.filter((e) => e.order.id === orderId).map((e) => [e.version, e.status, e.previousStatus])).toEqual([
      [1, 'PENDING', null],
      [2, 'AWAITING_PAYMENT', 'PENDING'],
      [3, 'CONFIRMED', 'AWAITING_PAYMENT'],
    ]);

    // Nothing more arrives later, and the metrics count the deliveries.
    await new Promise((r) => setTimeout(r, 500));
    expect(live.events()).toHaveLength(events.length);
    // /metrics is on the admin port, not the public one.
    const metrics = await (await fetch(new URL('/metrics', gatewayAdminUrl(shop.gatewayUrl)))).text();
    expect(metrics).toMatch(/subscription_deliveries_total\{kind="live",service="gateway"\} [1-9]/);
    expect(metrics).toMatch(/subscription_sockets_open\{service="gateway"\} [1-9]/);
    expect(metrics).toMatch(/subscription_event_delivery_seconds_count\{service="gateway"\} [1-9]/);
  });

  it('shows a declined payment as PENDING → AWAITING_PAYMENT → CANCELLED with its reason', async () => {
    const client = connect(shop.gatewayUrl, alice);
    const mine = watch(client, MY_ORDERS);
    await new Promise((r) => setTimeout(r, 300));
    shop.sandbox.setMode({ mode: 'slow', delayMs: 1000 });
    const orderId = await placeOrder(shop.gatewayUrl, alice, 'tok_chargeDeclined');
    const live = watch(client, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status reason version o: order { cancellationReason payment { status } } } }', { id: orderId });

    const all = await mine.until((e) => e.some((x) => x.order.id === orderId && x.status === 'CANCELLED'));
    expect(all.filter((e) => e.order.id === orderId).map((e) => [e.version, e.status, e.reason])).toEqual([
      [1, 'PENDING', null],
      [2, 'AWAITING_PAYMENT', null],
      [3, 'CANCELLED', 'PAYMENT_DECLINED'],
    ]);
    const events = await live.until((e) => e.some((x) => x.status === 'CANCELLED'));
    expect(events[events.length - 1]).toEqual({
      status: 'CANCELLED',
      reason: 'PAYMENT_DECLINED',
      version: 3,
      o: { cancellationReason: 'PAYMENT_DECLINED', payment: { status: 'DECLINED' } },
    });
  });

  it('after a reconnect, pushes the current state first', async () => {
    const orderId = await confirmedOrder(shop.gatewayUrl, alice);
    const before = connect(shop.gatewayUrl, alice);
    const first = watch(before, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status version } }', { id: orderId });
    expect(await first.until((e) => e.length >= 1)).toEqual([{ status: 'CONFIRMED', version: 3 }]);
    await before.dispose(); // the connection drops; meanwhile the order changes
    await cancelOrder(shop.gatewayUrl, alice, orderId);

    const after = connect(shop.gatewayUrl, alice);
    const again = watch(after, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status reason version order { status } } }', { id: orderId });
    const events = await again.until((e) => e.length >= 1);
    expect(events[0]).toEqual({ status: 'CANCELLED', reason: 'CUSTOMER_REQUEST', version: 4, order: { status: 'CANCELLED' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(again.events()).toHaveLength(1);
    expect(first.events()).toHaveLength(1);
  });
});

describe('watch-order example CLI', () => {
  it('signs in over HTTP and prints the current status, then each change', async () => {
    const orderId = await confirmedOrder(shop.gatewayUrl, alice);
    const cli = spawn(
      process.execPath,
      [path.resolve(__dirname, '../../tools/watch-order/dist/index.js'), '--url', shop.gatewayUrl, '--email', 'alice@shopgraph.local', '--password', 'Customer123!', '--order', orderId],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    cli.stdout.on('data', (chunk) => (output += chunk));
    cli.stderr.on('data', (chunk) => (output += chunk));
    try {
      await eventually(async () => (/v3 .*AWAITING_PAYMENT -> CONFIRMED/.test(output) ? true : undefined), 20_000);
      await cancelOrder(shop.gatewayUrl, alice, orderId);
      await eventually(async () => (/v4 .*CONFIRMED -> CANCELLED \(CUSTOMER_REQUEST\)/.test(output) ? true : undefined), 20_000);
    } finally {
      cli.kill('SIGTERM');
    }
    expect(output).toMatch(/^watching order /);
    expect(output).toMatch(/SG-\d{6}/);
  });
});

describe('myOrderUpdates', () => {
  it("sees every change of all and only the signed-in user's orders", async () => {
    const bobs = watch(connect(shop.gatewayUrl, bob), MY_ORDERS);
    const alices = watch(connect(shop.gatewayUrl, alice), MY_ORDERS);
    await new Promise((r) => setTimeout(r, 300));
    const bobOrders = await Promise.all([placeOrder(shop.gatewayUrl, bob), placeOrder(shop.gatewayUrl, bob)]);
    const aliceOrder = await placeOrder(shop.gatewayUrl, alice);

    const done = (events: any[], ids: string[]) => ids.every((id) => events.some((e) => e.order.id === id && e.status === 'CONFIRMED'));
    await bobs.until((e) => done(e, bobOrders));
    await alices.until((e) => done(e, [aliceOrder]));
    await new Promise((r) => setTimeout(r, 500));

    for (const id of bobOrders) {
      expect(statuses(bobs.events().filter((e) => e.order.id === id))).toEqual([
        [1, 'PENDING'],
        [2, 'AWAITING_PAYMENT'],
        [3, 'CONFIRMED'],
      ]);
    }
    expect(bobs.events().every((e) => e.order.customer.id === bobId)).toBe(true);
    expect(bobs.events().map((e) => e.order.id)).not.toContain(aliceOrder);
    expect(new Set(bobs.events().map((e) => e.order.id))).toEqual(new Set(bobOrders));
    expect(alices.events().every((e) => e.order.customer.id === aliceId)).toBe(true);
    expect(statuses(alices.events().filter((e) => e.order.id === aliceOrder))).toHaveLength(3);
    expect(alices.events().some((e) => bobOrders.includes(e.order.id))).toBe(false);
  });
});

describe('authentication and authorization', () => {
  it('answers an anonymous socket UNAUTHENTICATED per subscription, and refuses operations that are not subscriptions', async () => {
    const orderId = await placeOrder(shop.gatewayUrl, alice);
    const anonymous = connect(shop.gatewayUrl);
    const mine = watch(anonymous, MY_ORDERS);
    const one = watch(anonymous, ORDER_WATCH, { id: orderId });
    const query = watch(anonymous, '{ __typename }');
    const invalid = watch(anonymous, 'subscription { orderStatusChanged(orderId: "x") { nope } }');
    await eventually(async () => (mine.completed && one.completed && (query.error || query.completed) && invalid.error ? true : undefined));
    for (const w of [mine, one]) {
      expect(w.messages).toHaveLength(1);
      expect(w.messages[0].errors).toEqual([expect.objectContaining({ extensions: { code: 'UNAUTHENTICATED' } })]);
      expect(w.messages[0].errors![0].message).toMatch(/sign in/i);
    }
    expect(JSON.stringify(query.error)).toMatch(/Only subscriptions are served over the websocket.*HTTP POST/);
    expect(JSON.stringify(invalid.error)).toMatch(/Cannot query field \\"nope\\" on type \\"OrderStatusEvent\\"/);
  });

  it('closes a socket whose access token is invalid with 4403', async () => {
    for (const token of ['not-a-jwt', `${alice.slice(0, -4)}AAAA`]) {
      const client = connect(shop.gatewayUrl, token);
      const w = watch(client, MY_ORDERS);
      await eventually(async () => (w.error ? true : undefined));
      expect(w.error).toMatchObject({ code: 4403, reason: expect.stringMatching(/^Forbidden: Access token is invalid/) });
      expect(w.messages).toEqual([]);
    }
  });

  it("answers FORBIDDEN for another user's order without disturbing the socket's other subscriptions; an ADMIN may watch any order", async () => {
    shop.sandbox.setMode({ mode: 'slow', delayMs: 1500 });
    const aliceOrder = await placeOrder(shop.gatewayUrl, alice);
    const bobOrder = await placeOrder(shop.gatewayUrl, bob);
    const client = connect(shop.gatewayUrl, bob);
    const own = watch(client, ORDER_WATCH, { id: bobOrder });
    const foreign = watch(client, ORDER_WATCH, { id: aliceOrder });
    const missing = watch(client, ORDER_WATCH, { id: randomUUID() });
    await eventually(async () => (foreign.completed && missing.completed ? true : undefined));
    expect(foreign.messages).toEqual([{ errors: [expect.objectContaining({ path: ['orderStatusChanged'], extensions: { code: 'FORBIDDEN' } })] }]);
    expect(missing.messages).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND' } })] }]);

    const events = await own.until((e) => e.some((x) => x.status === 'CONFIRMED'));
    expect(events[events.length - 1].order.id).toBe(bobOrder);
    expect(own.error).toBeUndefined();

    const admin = await login(shop.gatewayUrl, 'admin@shopgraph.local', 'Admin123!shop');
    const byAdmin = watch(connect(shop.gatewayUrl, admin), ORDER_WATCH, { id: aliceOrder });
    const seen = await byAdmin.until((e) => e.some((x) => x.status === 'CONFIRMED'));
    expect(seen[seen.length - 1].order.customer).toEqual({ name: 'Alice Martin' });
  });

  it('caps subscriptions per connection; the ones within the cap keep working', async () => {
    const orderId = await placeOrder(shop.gatewayUrl, alice);
    await eventually(async () => ((await orderState(shop.gatewayUrl, alice, orderId)).status === 'CONFIRMED' ? true : undefined), 30_000);
    const client = connect(shop.gatewayUrl, alice);
    const within = Array.from({ length: 20 }, () => watch(client, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { version } }', { id: orderId }));
    await Promise.all(within.map((w) => w.until((e) => e.length === 1)));
    const beyond = watch(client, MY_ORDERS);
    await eventually(async () => (beyond.error ? true : undefined));
    expect(JSON.stringify(beyond.error)).toMatch(/TOO_MANY_SUBSCRIPTIONS/);
    within[0].dispose();
    const replacement = watch(client, 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { version } }', { id: orderId });
    expect(await replacement.until((e) => e.length === 1)).toEqual([{ version: 3 }]);
  });
});

describe('scale and replicas', () => {
  it('serves subscribers on two gateway instances, each from its own consumer; stopping one closes its sockets with 1001', async () => {
    const second = await shop.startGateway();
    const orderId = await confirmedOrder(shop.gatewayUrl, alice);
    const onFirst = watch(connect(shop.gatewayUrl, alice), ORDER_WATCH, { id: orderId });
    const onSecond = watch(connect(second.url, alice), ORDER_WATCH, { id: orderId });
    await onFirst.until((e) => e.length === 1);
    await onSecond.until((e) => e.length === 1);
    await cancelOrder(shop.gatewayUrl, alice, orderId);
    const a = await onFirst.until((e) => e.length === 2);
    const b = await onSecond.until((e) => e.length === 2);
    expect(statuses(a)).toEqual([
      [3, 'CONFIRMED'],
      [4, 'CANCELLED'],
    ]);
    // Both instances deliver the same events. `order { … }` is read when each instance delivers,
    // so state that settles after the event (the refund of a cancelled order) may differ.
    const withoutPayment = (events: typeof a) => events.map((e) => ({ ...e, order: { ...e.order, payment: undefined } }));
    expect(withoutPayment(b)).toEqual(withoutPayment(a));
    expect(b[1].order.payment.status).toMatch(/^(CAPTURED|REFUNDED)$/);

    const closing = watch(connect(second.url, alice), MY_ORDERS);
    await new Promise((r) => setTimeout(r, 300));
    await second.gateway.stop();
    await eventually(async () => (closing.error || closing.completed ? true : undefined));
    expect(closing.error).toMatchObject({ code: 1001 });
  });

  it('delivers an event to 500 concurrent subscribers on one instance', async () => {
    const orderId = await confirmedOrder(shop.gatewayUrl, alice);
    const subscribers = Array.from({ length: 500 }, () =>
      watch(connect(shop.gatewayUrl, alice), 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { status version order { id status } } }', { id: orderId }),
    );
    await Promise.all(subscribers.map((w) => w.until((e) => e.length === 1, 90_000)));
    await cancelOrder(shop.gatewayUrl, alice, orderId);
    await Promise.all(subscribers.map((w) => w.until((e) => e.length === 2, 90_000)));
    await new Promise((r) => setTimeout(r, 300));
    for (const w of subscribers) {
      expect(w.events()).toEqual([
        { status: 'CONFIRMED', version: 3, order: { id: orderId, status: 'CONFIRMED' } },
        { status: 'CANCELLED', version: 4, order: { id: orderId, status: 'CANCELLED' } },
      ]);
    }
  });
});
