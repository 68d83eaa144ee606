import { randomUUID } from 'node:crypto';
import { KIT_DEADLINES_ENV, createTestDatabase, eventually, freezableProxy, stackEnv, type FreezableProxy } from '@shopgraph/testkit';
import { address, customer, PLACE_ORDER, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// Issue 22: every datastore call has a deadline. Redis (carts) and PostgreSQL (orders) are reached
// through TCP proxies this test can freeze: a frozen proxy accepts connections and never answers,
// as a SIGSTOPped server does. The shared servers are never touched.

const CART = `{ cart { items { product { id } quantity } itemCount } }`;
const ADD = `mutation ($p: ID!, $q: Int!) { addToCart(productId: $p, quantity: $q) { cart { itemCount } errors { code } } }`;

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await run();
  return { ms: Date.now() - started, value };
}

describe('orders with a hung Redis or PostgreSQL', () => {
  let redis: FreezableProxy;
  let pg: FreezableProxy;
  let db: { url: string; name: string; drop: () => Promise<void> };
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    const redisTarget = new URL(stackEnv.redisUrl);
    const pgTarget = new URL(stackEnv.pgUrl);
    redis = await freezableProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    pg = await freezableProxy({ host: pgTarget.hostname, port: Number(pgTarget.port || 5432) });
    db = await createTestDatabase('orders_hung');
    const viaProxy = new URL(db.url);
    viaProxy.host = `127.0.0.1:${pg.port}`;
    orders = await startOrdersSubgraph({ ...KIT_DEADLINES_ENV, REDIS_URL: redis.url('redis'), DATABASE_URL: viaProxy.toString(), CONSUMERS: '' });
  });
  afterAll(async () => {
    redis?.thaw();
    pg?.thaw();
    await orders?.stop();
    await db?.drop();
    await Promise.all([redis?.close(), pg?.close()]);
  });

  const ready = async () => {
    const res = await fetch(new URL('/health/ready', orders.url));
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  const placeOrder = (me: ReturnType<typeof customer>, productId: string) =>
    orders.call(PLACE_ORDER, { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity: 1 }], shippingAddress: address, paymentToken: 'tok_visa' } }, me);

  it('a frozen Redis fails cart calls fast with SERVICE_UNAVAILABLE, turns readiness red, and everything recovers on thaw', async () => {
    const me = customer();
    const lamp = await orders.givenProduct();
    expect((await orders.call(ADD, { p: lamp, q: 2 }, me)).body.data!.addToCart.errors).toEqual([]);

    redis.freeze();
    for (const [query, variables] of [
      [CART, {}],
      [ADD, { p: lamp, q: 1 }],
    ] as const) {
      const { ms, value: res } = await timed(() => orders.call(query, variables, me));
      expect(res.body.errors).toEqual([
        expect.objectContaining({ message: 'Carts are temporarily unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } }),
      ]);
      expect(res.text).not.toMatch(/timed out|ioredis|stack|enableOfflineQueue/i);
      expect(ms).toBeLessThan(1500); // REDIS_COMMAND_TIMEOUT_MS is 250
    }
    // placeOrder from the cart needs the cart: it fails as fast and as cleanly.
    const fromCart = await timed(() =>
      orders.call(PLACE_ORDER, { input: { idempotencyKey: randomUUID(), shippingAddress: address, paymentToken: 'tok_visa' } }, me),
    );
    expect(fromCart.value.body.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryAfter: 5 });
    expect(fromCart.ms).toBeLessThan(1500);

    const unready = await ready();
    expect(unready.status).toBe(503);
    expect(unready.body.checks.redis).toMatch(/^down/);
    expect(unready.body.checks.postgres).toBe('ok');

    redis.thaw();
    await eventually(async () => ((await ready()).status === 200 ? true : undefined), 15000, 200);
    // The cart is intact (the add refused while frozen never reached Redis, or did so once).
    const after = (await orders.call(CART, {}, me)).body.data!.cart;
    expect(after.items[0].product.id).toBe(lamp);
    expect([2, 3]).toContain(after.items[0].quantity);
  });

  it('a frozen PostgreSQL fails placeOrder within its deadline with SERVICE_UNAVAILABLE, and placeOrder works again on thaw', async () => {
    const me = customer();
    const lamp = await orders.givenProduct();
    expect((await placeOrder(me, lamp)).body.data!.placeOrder.errors).toEqual([]);

    pg.freeze();
    const { ms, value: res } = await timed(() => placeOrder(me, lamp));
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } });
    expect(res.text).not.toMatch(/Query read timeout|timeout exceeded|QueryFailedError|stack/i);
    console.log(`frozen PostgreSQL: placeOrder answered SERVICE_UNAVAILABLE in ${ms} ms`);
    // PG_STATEMENT_TIMEOUT_MS 2000 (+500 client-side), PG_CONNECT_TIMEOUT_MS 1000: under the gateway's 3 s subgraph deadline.
    expect(ms).toBeLessThan(3000);
    const unready = await ready();
    expect(unready.status).toBe(503);
    expect(unready.body.checks.postgres).toMatch(/^down/);

    pg.thaw();
    await eventually(async () => ((await placeOrder(me, lamp)).body.data?.placeOrder?.errors?.length === 0 ? true : undefined), 20000, 200);
    await eventually(async () => ((await ready()).status === 200 ? true : undefined), 15000, 200);
  });
});
