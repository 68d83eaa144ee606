import { randomUUID } from 'node:crypto';
import { demoCategories } from '@shopgraph/demo-data';
import { faultStack, startFaultShop, DEMO_CUSTOMER, SUBGRAPHS, type FaultShop, type FaultStack, type ServiceName, until } from '../src';

// Issue 20: after the broker is frozen past the consumers' session timeout (15 s), every
// consumer must be back — rejoined, or restarted after a crash — and readiness must say so.
// Frozen three times in a row; after each thaw a product created afterwards reaches the orders
// replica (addToCart of it works) and an order of it is CONFIRMED. Figures (time to ready,
// consumer restarts per service) are printed.

const PAUSE_MS = 25_000; // > sessionTimeout 15 s: the group coordinator expires every member on thaw
const CYCLES = 3;
const CONSUMING: ServiceName[] = ['inventory', 'orders', 'payments', 'reviews', 'gateway'];

let stack: FaultStack;
let shop: FaultShop;
let alice: string;

beforeAll(async () => {
  stack = faultStack();
  shop = await startFaultShop(stack, { contendedDeadlines: true });
  alice = await shop.login(DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
}, 240_000);

afterEach(() => stack.resumeAll());
afterAll(() => shop?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


/** Waits until every service answers ready with all checks ok; resolves with the ms it took. */
async function allReady(timeoutMs: number): Promise<number> {
  const started = Date.now();
  const names: ServiceName[] = [...SUBGRAPHS, 'gateway'];
  let last = '';
  while (Date.now() - started < timeoutMs) {
    const results = await Promise.all(names.map((n) => shop.services[n].ready().catch((e: Error) => ({ status: 0, body: e.message }))));
    if (results.every((r) => r.status === 200)) return Date.now() - started;
    last = names.map((n, i) => `${n}: ${results[i].status} ${JSON.stringify(results[i].body)}`).filter((l) => !/: 200 /.test(l)).join('\n');
    await sleep(500);
  }
  throw new Error(`not ready within ${timeoutMs} ms:\n${last}`);
}

/** `kafka_consumer_restarts_total` of a service (0 when it never restarted). */
async function consumerRestarts(name: ServiceName): Promise<number> {
  const url = name === 'gateway' ? (shop.services.gateway.env.ADMIN_PORT ? `http://127.0.0.1:${shop.services.gateway.env.ADMIN_PORT}` : shop.services.gateway.url) : shop.services[name].url;
  const text = await fetch(`${url}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  return text
    .split('\n')
    .filter((l) => l.startsWith('kafka_consumer_restarts_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function createProduct(): Promise<string> {
  const sku = `FAULT-${randomUUID().slice(0, 8)}`;
  const res = await shop.call(
    `mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { code message } } }`,
    { input: { sku, name: `Fault probe ${sku}`, description: 'created after a broker pause', categorySlug: demoCategories[0].slug, price: 1500, currency: 'USD', initialStock: 20 } },
    await shop.adminToken(),
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.createProduct.errors).toEqual([]);
  return res.body.data!.createProduct.product.id as string;
}

it.each(Array.from({ length: CYCLES }, (_, i) => i + 1))(
  'broker frozen past the session timeout (cycle %i): consumers come back, readiness says so, a new product reaches orders and an order of it is CONFIRMED',
  async (cycle) => {
    await allReady(60_000);
    const restartsBefore = Object.fromEntries(await Promise.all(CONSUMING.map(async (n) => [n, await consumerRestarts(n)] as const)));

    await stack.pause('kafka');
    await sleep(PAUSE_MS);
    await stack.resume('kafka');
    const thawed = Date.now();

    const readyMs = await allReady(120_000);
    const productId = await createProduct();
    await shop.waitUntilOrderable(productId, 60_000);
    // Inventory learns the stock from the same products.v1 event through its own consumer, which may
    // come back later than orders': an order placed before it did would be refused (UNKNOWN_PRODUCT).
    await until('inventory knows the new product\'s stock', async () => {
      const res = await shop.call('query($id: ID!) { product(id: $id) { stock { onHand } } }', { id: productId });
      return res.body.data?.product?.stock?.onHand === 20;
    }, 60_000);
    const reachedReplicaMs = Date.now() - thawed;

    const cart = await shop.call(
      `mutation($id: ID!) { addToCart(productId: $id, quantity: 1) { cart { items { product { id } quantity } } errors { code message } } }`,
      { id: productId },
      alice,
    );
    expect(cart.body.errors).toBeUndefined();
    expect(cart.body.data?.addToCart.errors).toEqual([]);

    const placed = await shop.placeOrder(alice, { items: [{ productId, quantity: 1 }] });
    const final = await shop.orderToFinal(placed.id, 90_000);
    expect({ status: final.status, reason: final.cancellationReason }).toEqual({ status: 'CONFIRMED', reason: null });
    const [row] = await shop.sql<{ status: string }>('orders', 'SELECT status FROM orders WHERE id = $1', [placed.id]);
    expect(row.status).toBe('CONFIRMED');

    const restarts = Object.fromEntries(await Promise.all(CONSUMING.map(async (n) => [n, (await consumerRestarts(n)) - restartsBefore[n]] as const)));
    console.log(
      `cycle ${cycle}: broker frozen ${PAUSE_MS} ms; all ready ${readyMs} ms after thaw; new product orderable and stocked ${reachedReplicaMs} ms after thaw; order ${final.status}; consumer restarts ${JSON.stringify(restarts)}`,
    );
  },
  300_000,
);
