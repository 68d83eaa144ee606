import { demoProducts } from '@shopgraph/demo-data';
import { faultStack, startFaultShop, DEMO_CUSTOMER, type FaultShop, type FaultStack, type OrderView } from '../src';

// Issue 19: a broker outage longer than every consumer's session timeout (15 s) must not cancel
// healthy orders, while a step that is genuinely stuck still ends in a clean TIMED_OUT
// cancellation. The saga's timeouts are short here (20 s) so that the outage (40 s) is twice as
// long as them: with deadlines counted from placeOrder, every order in flight would be cancelled.

const STEP_TIMEOUT_S = 20;
const PAUSE_MS = 40_000; // > every consumer's session timeout (15 s) and > the step timeouts
const BEFORE = 5; // placed just before the broker freezes: in flight when it does
const DURING = 5; // placed while it is frozen: their commands cannot leave

let stack: FaultStack;
let shop: FaultShop;
let alice: string;

// Products with plenty of stock, one per order, so no order can fail for stock.
const plentiful = demoProducts.filter((p) => p.initialStock >= 40);
let nextProduct = 0;
const aProduct = () => plentiful[nextProduct++ % plentiful.length];

beforeAll(async () => {
  stack = faultStack();
  shop = await startFaultShop(stack, {
    contendedDeadlines: true,
    env: { orders: { RESERVATION_TIMEOUT_SECONDS: String(STEP_TIMEOUT_S), PAYMENT_TIMEOUT_SECONDS: String(STEP_TIMEOUT_S), SAGA_SWEEP_INTERVAL_MS: '1000' } },
  });
  alice = await shop.login(DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
}, 240_000);

afterEach(() => stack.resumeAll());
afterAll(() => shop?.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function place(): Promise<{ order: OrderView; productId: string; ms: number }> {
  const product = aProduct();
  const started = Date.now();
  const order = await shop.placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
  return { order, productId: product.id, ms: Date.now() - started };
}

/** Polls until `check` returns a value (not undefined), at most `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(500);
  }
}

it(`a ${PAUSE_MS / 1000} s broker freeze with orders in flight and placed meanwhile cancels none: every order is CONFIRMED with exactly one charge`, async () => {
  // Placed together and the broker frozen at once: some are mid-saga when it freezes.
  const before = await Promise.all(Array.from({ length: BEFORE }, () => place()));
  await stack.pause('kafka');
  const frozenAt = Date.now();
  const [{ n: inFlightAtFreeze }] = await shop.sql<{ n: number }>('orders', "SELECT count(*)::int AS n FROM orders WHERE id = ANY($1::uuid[]) AND status IN ('PENDING', 'AWAITING_PAYMENT')", [
    before.map((b) => b.order.id),
  ]);
  const during = [];
  for (let i = 0; i < DURING; i++) during.push(await place());
  await sleep(Math.max(0, PAUSE_MS - (Date.now() - frozenAt)));
  await stack.resume('kafka');
  const resumedAt = Date.now();

  const all = [...before, ...during];
  const finals = await Promise.all(all.map(async ({ order }) => ({ final: await shop.orderToFinal(order.id, 240_000), at: Date.now() })));
  const allFinalMs = Math.max(...finals.map((f) => f.at)) - resumedAt;

  expect(finals.map((f) => [f.final.id, f.final.status, f.final.cancellationReason])).toEqual(all.map(({ order }) => [order.id, 'CONFIRMED', null]));
  for (const { order, productId } of all) {
    // Exactly one charge at the provider, captured and kept, and one captured payment in payments.
    const charges = await shop.sandbox.charges(order.id);
    expect(charges.map((c) => [c.status, c.amount, c.amount_refunded])).toEqual([['succeeded', order.total.amount, 0]]);
    const payments = await shop.sql<{ status: string; amount: number }>('payments', 'SELECT status, amount FROM payments WHERE order_id = $1', [order.id]);
    expect(payments).toEqual([{ status: 'CAPTURED', amount: order.total.amount }]);
    // The unit is sold, not merely held.
    const reservations = await shop.sql<{ status: string }>('inventory', 'SELECT status FROM reservations WHERE order_id = $1', [order.id]);
    expect(reservations).toEqual([{ status: 'COMMITTED' }]);
    expect(await stockReserved(productId)).toBe(0);
  }
  console.log(
    `broker frozen ${PAUSE_MS} ms with ${inFlightAtFreeze} of ${BEFORE} orders placed just before still in flight and ${DURING} placed meanwhile (placeOrder ${during.map((d) => d.ms).join('/')} ms); ` +
      `all ${all.length} final ${allFinalMs} ms after resume: ${finals.filter((f) => f.final.status === 'CONFIRMED').length} CONFIRMED`,
  );
}, 400_000);

it('a step that is genuinely stuck (payments down longer than its deadline) still ends TIMED_OUT, the stock released and nothing kept charged', async () => {
  const product = aProduct();
  const reservedBefore = await stockReserved(product.id);
  await shop.services.payments.stop();
  let paymentsDown = true;
  try {
    const order = await shop.placeOrder(alice, { items: [{ productId: product.id, quantity: 1 }] });
    const stoppedAt = Date.now();
    const final = await shop.orderToFinal(order.id, 240_000);
    expect(final).toMatchObject({ status: 'CANCELLED', cancellationReason: 'TIMED_OUT' });
    expect(final.history.map((h) => [h.status, h.reason])).toEqual([
      ['PENDING', null],
      ['AWAITING_PAYMENT', null],
      ['CANCELLED', 'TIMED_OUT: payment'],
    ]);
    // Not before the payment step's deadline (placed + reservation answer + 20 s).
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(STEP_TIMEOUT_S * 1000);

    // The stock hold is given back.
    await until(
      'reservation released',
      async () => {
        const [r] = await shop.sql<{ status: string }>('inventory', 'SELECT status FROM reservations WHERE order_id = $1', [order.id]);
        return r?.status === 'RELEASED' ? r : undefined;
      },
      60_000,
    );
    expect(await stockReserved(product.id)).toBe(reservedBefore);

    // Payments comes back and finds the stale AuthorizePayment, then the RefundPayment the
    // cancellation sent (same key, same partition, so in that order): whatever it charged is refunded.
    const [refund] = await shop.sql<{ id: string }>('orders', "SELECT id FROM outbox WHERE key = $1 AND envelope->>'type' = 'RefundPayment' ORDER BY seq LIMIT 1", [order.id]);
    expect(refund).toBeDefined();
    await shop.services.payments.start();
    paymentsDown = false;
    const net = await until(
      'no money kept for the cancelled order',
      async () => {
        const [handled] = await shop.sql('payments', 'SELECT 1 FROM inbox WHERE event_id = $1', [refund.id]);
        const charges = await shop.sandbox.charges(order.id);
        const [payment] = await shop.sql<{ status: string }>('payments', 'SELECT status FROM payments WHERE order_id = $1', [order.id]);
        const kept = charges.filter((c) => c.status === 'succeeded').reduce((sum, c) => sum + c.amount - c.amount_refunded, 0);
        return handled && kept === 0 ? { charges: charges.length, status: payment?.status ?? 'none' } : undefined;
      },
      120_000,
    );
    expect((await shop.order(order.id))!).toMatchObject({ status: 'CANCELLED', cancellationReason: 'TIMED_OUT' });
    console.log(`stuck payment: cancelled TIMED_OUT after ${final.history.length} steps; after payments came back: ${net.charges} charge(s), payment ${net.status}, nothing kept`);
  } finally {
    if (paymentsDown) await shop.services.payments.start();
  }
}, 400_000);

async function stockReserved(productId: string): Promise<number> {
  const [row] = await shop.sql<{ reserved: number }>('inventory', 'SELECT reserved FROM stock WHERE product_id = $1', [productId]);
  return row.reserved;
}
