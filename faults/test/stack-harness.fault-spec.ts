import Redis from 'ioredis';
import { Client } from 'pg';
import { demoProducts } from '@shopgraph/demo-data';
import { faultStack, startFaultShop, DEMO_CUSTOMER, type FaultShop, type FaultStack } from '../src';

// Proves the harness itself: the shop of real processes on the private stack completes the order
// saga; pause() really freezes a server for connections that are already open (PostgreSQL's
// backends included, not only its postmaster); and after Redis is frozen and thawed the shop is
// back to normal. Assertions come from the databases and the payment provider's records.

let stack: FaultStack;
let shop: FaultShop;
let alice: string;
const product = demoProducts.find((p) => p.initialStock >= 10)!;

beforeAll(async () => {
  stack = faultStack();
  shop = await startFaultShop(stack);
  alice = await shop.login(DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
}, 240_000);

afterEach(() => stack.resumeAll());
afterAll(() => shop?.stop());

/** Places one order for one unit of `product` and asserts it CONFIRMED with exactly one charge, from the stores. */
async function orderConfirms(): Promise<void> {
  const placed = await shop.placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
  const final = await shop.orderToFinal(placed.id, 60_000);
  expect(final.status).toBe('CONFIRMED');
  const [row] = await shop.sql<{ status: string }>('orders', 'SELECT status FROM orders WHERE id = $1', [placed.id]);
  expect(row.status).toBe('CONFIRMED');
  const charges = await shop.sandbox.charges(placed.id);
  expect(charges).toHaveLength(1);
  expect(charges[0].amount).toBe(final.total.amount);
}

it('the shop of child processes on the private stack confirms an order (one charge, stock sold)', async () => {
  const [before] = await shop.sql<{ on_hand: number }>('inventory', 'SELECT on_hand FROM stock WHERE product_id = $1', [product.id]);
  await orderConfirms();
  // The commit of the sold unit reaches inventory over Kafka after the order's final state.
  const deadline = Date.now() + 20_000;
  let after = before;
  while (Date.now() < deadline) {
    [after] = await shop.sql<{ on_hand: number; reserved: number }>('inventory', 'SELECT on_hand, reserved FROM stock WHERE product_id = $1', [product.id]);
    if (after.on_hand === before.on_hand - 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(after).toMatchObject({ on_hand: before.on_hand - 1, reserved: 0 });
});

it('pause() freezes PostgreSQL and Redis for open connections; resume() thaws them', async () => {
  const pg = new Client({ connectionString: `${stack.env.PG_URL}/postgres`, query_timeout: 1000 });
  await pg.connect();
  const redis = new Redis(stack.env.REDIS_URL, { commandTimeout: 1000, maxRetriesPerRequest: 0 });
  try {
    expect((await pg.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    expect(await redis.ping()).toBe('PONG');

    await stack.pause('postgres');
    await stack.pause('redis');
    await expect(pg.query('SELECT 1 AS one')).rejects.toThrow(/timeout/i);
    await expect(redis.ping()).rejects.toThrow(/timed out/i);

    await stack.resume('postgres');
    await stack.resume('redis');
    expect(await redis.ping()).toBe('PONG');
    const fresh = new Client({ connectionString: `${stack.env.PG_URL}/postgres`, query_timeout: 5000 });
    await fresh.connect();
    expect((await fresh.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await fresh.end();
  } finally {
    redis.disconnect();
    await pg.end().catch(() => undefined);
  }
});

it('after Redis is frozen for 5 s and thawed, the shop is back to normal: an order confirms again', async () => {
  await stack.pause('redis');
  await new Promise((r) => setTimeout(r, 5000));
  await stack.resume('redis');
  await orderConfirms();
});
