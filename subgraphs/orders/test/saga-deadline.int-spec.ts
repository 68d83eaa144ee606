import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { createEvent } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import { address, customer, PLACE_ORDER, startOrdersSubgraph, type TestOrdersSubgraph } from './fixtures/orders-subgraph';

// The relay publishes only while it holds this advisory lock (packages/events postgres-outbox.ts):
// a test holding it is a relay that cannot publish, exactly as during a broker outage, without
// touching the shared broker.
const RELAY_LOCK_KEY = 74_021_113;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Keeps the orders outbox unpublished until `release()`. */
async function blockRelay(orders: TestOrdersSubgraph): Promise<{ release: () => Promise<void> }> {
  const client = new Client({ connectionString: (orders.service.dataSource.options as { url: string }).url });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1)', [RELAY_LOCK_KEY]);
  return {
    release: async () => {
      await client.query('SELECT pg_advisory_unlock($1)', [RELAY_LOCK_KEY]);
      await client.end();
    },
  };
}

async function placeOrder(orders: TestOrdersSubgraph) {
  const productId = await orders.givenProduct({ price: { amount: 1250, currency: 'USD' } });
  const res = await orders.call(
    PLACE_ORDER,
    { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity: 2 }], shippingAddress: address, paymentToken: 'tok_visa' } },
    customer(),
  );
  const { order } = res.body.data!.placeOrder;
  return { orderId: order.id as string, lines: [{ productId, quantity: 2 }] };
}

/** The sent time of the order's command (null while unsent). */
const commandSentAt = async (orders: TestOrdersSubgraph, orderId: string, type: string) =>
  (await orders.sql<{ sent_at: Date | null }>(`SELECT sent_at FROM outbox WHERE key = $1 AND envelope->>'type' = $2`, [orderId, type]))[0]?.sent_at ?? null;
/** Waits until the order's command has been published; its sent time. */
const sent = (orders: TestOrdersSubgraph, orderId: string, type: string) =>
  eventually(async () => (await commandSentAt(orders, orderId, type)) ?? undefined, 10_000);

const outboxTypes = async (orders: TestOrdersSubgraph, orderId: string) =>
  (await orders.sql<{ type: string }>(`SELECT envelope->>'type' AS type FROM outbox WHERE key = $1 ORDER BY seq`, [orderId])).map((r) => r.type);

const lastHistory = async (orders: TestOrdersSubgraph, orderId: string) =>
  (await orders.sql<{ status: string; reason: string | null; at: Date }>('SELECT status, reason, at FROM order_status_history WHERE order_id = $1 ORDER BY version DESC LIMIT 1', [orderId]))[0];

const cancelled = (orders: TestOrdersSubgraph, orderId: string, timeoutMs = 15_000) =>
  eventually(async () => {
    const row = await orders.orderRow(orderId);
    return row?.status === 'CANCELLED' ? row : undefined;
  }, timeoutMs);

describe('saga deadlines count from when the command left the outbox', () => {
  const TIMEOUT_S = 2;
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({
      CONSUMERS: '',
      RESERVATION_TIMEOUT_SECONDS: String(TIMEOUT_S),
      PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_S),
      SAGA_SWEEP_INTERVAL_MS: '200',
      // Rule 2 (hold off on broker trouble) out of the way: this file is about rule 1.
      SAGA_BROKER_STALL_SECONDS: '3600',
    });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  it('an order whose ReserveStock is still unsent is not cancelled past the nominal timeout; once sent, it times out TIMED_OUT a timeout later and releases the stock', async () => {
    const relay = await blockRelay(orders);
    let released = false;
    try {
      const { orderId } = await placeOrder(orders);
      // Twice the timeout, with the sweeper running every 200 ms, plus an explicit sweep.
      await sleep(2 * TIMEOUT_S * 1000);
      expect(await orders.service.sweeper.sweep()).toEqual([]);
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'PENDING', version: 1 });
      expect(await commandSentAt(orders, orderId, 'ReserveStock')).toBeNull();

      await relay.release();
      released = true;
      const sentAt = await sent(orders, orderId, 'ReserveStock');
      // Sent just now: its deadline is sent + timeout, so it is still waiting.
      expect((await orders.orderRow(orderId))!.status).toBe('PENDING');

      expect(await cancelled(orders, orderId)).toMatchObject({ cancellation_reason: 'TIMED_OUT', version: 2 });
      const last = await lastHistory(orders, orderId);
      expect(last).toMatchObject({ status: 'CANCELLED', reason: 'TIMED_OUT: stock reservation' });
      // Not before its real deadline (history times have ms precision).
      expect(last.at.getTime()).toBeGreaterThanOrEqual(sentAt!.getTime() + TIMEOUT_S * 1000 - 1);
      expect(await outboxTypes(orders, orderId)).toEqual(['ReserveStock', 'OrderStatusChanged', 'ReleaseStock', 'OrderStatusChanged']);
    } finally {
      if (!released) await relay.release();
    }
  });

  it('the payment step counts from when AuthorizePayment left: held while unsent, then TIMED_OUT with release and refund', async () => {
    const { orderId, lines } = await placeOrder(orders);
    await sent(orders, orderId, 'ReserveStock');
    const relay = await blockRelay(orders);
    let released = false;
    try {
      await orders.service.handle(createEvent('StockReserved', orderId, { orderId, lines }, { source: 'inventory' }));
      expect((await orders.orderRow(orderId))!.status).toBe('AWAITING_PAYMENT');
      await sleep(2 * TIMEOUT_S * 1000);
      expect(await orders.orderRow(orderId)).toMatchObject({ status: 'AWAITING_PAYMENT', version: 2 });
      expect(await commandSentAt(orders, orderId, 'AuthorizePayment')).toBeNull();

      await relay.release();
      released = true;
      const sentAt = await sent(orders, orderId, 'AuthorizePayment');
      expect(await cancelled(orders, orderId)).toMatchObject({ cancellation_reason: 'TIMED_OUT', version: 3 });
      const last = await lastHistory(orders, orderId);
      expect(last).toMatchObject({ status: 'CANCELLED', reason: 'TIMED_OUT: payment' });
      expect(last.at.getTime()).toBeGreaterThanOrEqual(sentAt!.getTime() + TIMEOUT_S * 1000 - 1);
      expect((await outboxTypes(orders, orderId)).slice(-3)).toEqual(['ReleaseStock', 'RefundPayment', 'OrderStatusChanged']);
    } finally {
      if (!released) await relay.release();
    }
  });

  it('an order whose step was sent at once times out as before, a timeout after placing', async () => {
    const { orderId } = await placeOrder(orders);
    const sentAt = await sent(orders, orderId, 'ReserveStock');
    expect(await cancelled(orders, orderId)).toMatchObject({ cancellation_reason: 'TIMED_OUT', version: 2 });
    expect((await lastHistory(orders, orderId)).at.getTime()).toBeGreaterThanOrEqual(sentAt!.getTime() + TIMEOUT_S * 1000 - 1);
  });
});

describe('no step times out while the outbox cannot publish, nor for a grace period after', () => {
  let orders: TestOrdersSubgraph;

  beforeAll(async () => {
    orders = await startOrdersSubgraph({
      CONSUMERS: '',
      RESERVATION_TIMEOUT_SECONDS: '3',
      SAGA_SWEEP_INTERVAL_MS: '200',
      SAGA_BROKER_STALL_SECONDS: '1',
      SAGA_BROKER_GRACE_SECONDS: '5',
    });
  });
  afterAll(async () => {
    await orders?.stop();
  });

  it('holds an order whose command did leave while another order\'s command is stuck, then times it out after the grace', async () => {
    // A: sent at once, so its own deadline passes 3 s later ...
    const a = await placeOrder(orders);
    await sent(orders, a.orderId, 'ReserveStock');
    const relay = await blockRelay(orders);
    let released = false;
    try {
      // ... but B's command cannot leave: after 1 s the broker counts as in trouble (replies to A
      // may be stuck too), and A's deadline passes during the trouble.
      const b = await placeOrder(orders);
      await sleep(4000);
      expect(await orders.service.sweeper.holdReason()).toMatch(/outbox row has been waiting/);
      expect(await orders.orderRow(a.orderId)).toMatchObject({ status: 'PENDING', version: 1 });
      expect(await orders.orderRow(b.orderId)).toMatchObject({ status: 'PENDING', version: 1 });

      await relay.release();
      released = true;
      await sent(orders, b.orderId, 'ReserveStock');
      // The trouble is over, the grace (5 s) is not.
      expect(await orders.service.sweeper.holdReason()).toMatch(/grace 5 s/);
      expect((await orders.orderRow(a.orderId))!.status).toBe('PENDING');

      // After the grace both time out: A on its sent time, B on its own (sent after the outage).
      expect(await cancelled(orders, a.orderId, 20_000)).toMatchObject({ cancellation_reason: 'TIMED_OUT' });
      expect(await cancelled(orders, b.orderId, 20_000)).toMatchObject({ cancellation_reason: 'TIMED_OUT' });
      expect(await orders.service.sweeper.holdReason()).toBeNull();
    } finally {
      if (!released) await relay.release();
    }
  });
});
