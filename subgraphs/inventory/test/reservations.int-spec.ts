import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import { handleInventoryCommand } from '../src/events/inventory-command.handler';
import { newProductId, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

const newOrderId = (): string => randomUUID();

describe('inventory reservations (ReservationService against PostgreSQL)', () => {
  let inv: TestInventorySubgraph;
  const reservations = () => inv.service.services.reservations;

  beforeAll(async () => {
    // 100 reservations at once queue for 10 pooled connections: on a loaded CI machine that wait can
    // pass the 1 s pool deadline meant for requests. These tests are about atomicity, not deadlines.
    inv = await startInventorySubgraph({ SWEEP_INTERVAL_MS: '200', PG_CONNECT_TIMEOUT_MS: '15000' });
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('reserves all lines of an order or none: a short second line leaves both untouched', async () => {
    const [plenty, scarce] = [newProductId(), newProductId()];
    await inv.givenStock(plenty, 5);
    await inv.givenStock(scarce, 1);
    const orderId = newOrderId();

    const outcome = await reservations().reserve(orderId, [
      { productId: plenty, quantity: 2 },
      { productId: scarce, quantity: 2 },
    ]);

    expect(outcome).toEqual({ ok: false, orderId, reason: 'OUT_OF_STOCK', productIds: [scarce], replayed: false });
    expect(await inv.stockOf(plenty)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(await inv.stockOf(scarce)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReservationFailed']);
    expect(await inv.outboxTypes(plenty)).toEqual([]);
  });

  it('reserves every line together and says so through the outbox', async () => {
    const [a, b] = [newProductId(), newProductId()];
    await inv.givenStock(a, 5);
    await inv.givenStock(b, 2);
    const orderId = newOrderId();

    const outcome = await reservations().reserve(orderId, [
      { productId: a, quantity: 2 },
      { productId: b, quantity: 2 },
    ]);

    expect(outcome).toMatchObject({ ok: true, status: 'ACTIVE', replayed: false });
    expect(await inv.stockOf(a)).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(await inv.stockOf(b)).toEqual({ onHand: 2, reserved: 2, available: 0 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved']);
    expect(await inv.outboxTypes(a)).toEqual(['StockChanged']);
  });

  it('names unknown products as UNKNOWN_PRODUCT and reserves nothing', async () => {
    const known = newProductId();
    const unknown = newProductId();
    await inv.givenStock(known, 3);
    const outcome = await reservations().reserve(newOrderId(), [
      { productId: known, quantity: 1 },
      { productId: unknown, quantity: 1 },
    ]);
    expect(outcome).toMatchObject({ ok: false, reason: 'UNKNOWN_PRODUCT', productIds: [unknown] });
    expect(await inv.stockOf(known)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });

  it('sells exactly the last 10 units to 100 concurrent orders and never goes negative', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const orders = Array.from({ length: 100 }, newOrderId);

    const outcomes = await Promise.all(orders.map((orderId) => reservations().reserve(orderId, [{ productId, quantity: 1 }])));

    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'OUT_OF_STOCK')).toHaveLength(90);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 10, available: 0 });
    const [held] = await inv.sql(
      `SELECT count(*)::int AS orders, coalesce(sum(l.quantity), 0)::int AS units FROM reservations r
         JOIN reservation_lines l USING (order_id) WHERE r.status = 'ACTIVE' AND l.product_id = $1`,
      [productId],
    );
    expect(held).toEqual({ orders: 10, units: 10 });
    const [broken] = await inv.sql('SELECT count(*)::int AS n FROM stock WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand OR available < 0');
    expect(broken.n).toBe(0);
  });

  it('is idempotent per order: a second reserve returns the first outcome and holds nothing more', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const orderId = newOrderId();
    const line = [{ productId, quantity: 3 }];

    const first = await reservations().reserve(orderId, line);
    const again = await Promise.all([1, 2, 3].map(() => reservations().reserve(orderId, line)));

    expect(first).toMatchObject({ ok: true, replayed: false, lines: line });
    for (const outcome of again) expect(outcome).toEqual({ ...first, replayed: true });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved']);

    // A refused order stays refused, even once stock has arrived: the saga already moved on.
    const short = newOrderId();
    expect(await reservations().reserve(short, [{ productId, quantity: 8 }])).toMatchObject({ ok: false, reason: 'OUT_OF_STOCK' });
    await inv.givenStock(productId, 100, 3);
    expect(await reservations().reserve(short, [{ productId, quantity: 8 }])).toMatchObject({ ok: false, reason: 'OUT_OF_STOCK', replayed: true });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 100, reserved: 3, available: 97 });
  });

  it('commit turns reserved units into sold ones, once', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const orderId = newOrderId();
    await reservations().reserve(orderId, [{ productId, quantity: 4 }]);

    expect(await reservations().commit(orderId)).toEqual({ orderId, changed: true, status: 'COMMITTED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 6, reserved: 0, available: 6 });
    expect(await reservations().commit(orderId)).toEqual({ orderId, changed: false, status: 'COMMITTED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 6, reserved: 0, available: 6 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockCommitted']);
    const movements = await inv.sql('SELECT delta, on_hand_after AS "onHandAfter", actor FROM stock_movements WHERE product_id = $1', [productId]);
    expect(movements).toEqual([{ delta: -4, onHandAfter: 6, actor: 'system:orders' }]);
  });

  it('release after commit (an order cancelled after confirmation) puts the sold units back, once', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const orderId = newOrderId();
    await reservations().reserve(orderId, [{ productId, quantity: 4 }]);
    await reservations().commit(orderId);

    expect(await reservations().release(orderId)).toEqual({ orderId, changed: true, status: 'RETURNED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect(await reservations().release(orderId)).toEqual({ orderId, changed: false, status: 'RETURNED' });
    expect(await reservations().commit(orderId)).toEqual({ orderId, changed: false, status: 'RETURNED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockCommitted', 'StockReleased']);
    const movements = await inv.sql('SELECT delta FROM stock_movements WHERE product_id = $1 ORDER BY id', [productId]);
    expect(movements.map((m: { delta: number }) => m.delta)).toEqual([-4, 4]);
  });

  it('release gives reserved units back, once; unknown orders are a no-op', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const orderId = newOrderId();
    await reservations().reserve(orderId, [{ productId, quantity: 3 }]);

    expect(await reservations().release(orderId)).toEqual({ orderId, changed: true, status: 'RELEASED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect(await reservations().release(orderId)).toEqual({ orderId, changed: false, status: 'RELEASED' });
    expect(await reservations().commit(orderId)).toEqual({ orderId, changed: false, status: 'RELEASED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 0, available: 10 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockReleased']);

    const nobody = newOrderId();
    expect(await reservations().release(nobody)).toEqual({ orderId: nobody, changed: false, status: null });
  });

  it('the sweeper releases a reservation once its 1-second TTL has passed', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 5);
    const orderId = newOrderId();
    const started = Date.now();
    await reservations().reserve(orderId, [{ productId, quantity: 2 }], 1);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 5, reserved: 2, available: 3 });

    await eventually(async () => ((await reservations().find(orderId))?.status === 'RELEASED' ? true : undefined), 5000);

    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockReleased']);
  });

  it('sweepers racing (two here, plus the background one) release each expired reservation exactly once', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 50);
    const orders = Array.from({ length: 20 }, newOrderId);
    await Promise.all(orders.map((orderId) => reservations().reserve(orderId, [{ productId, quantity: 1 }], 1)));
    await inv.sql(`UPDATE reservations SET expires_at = now() - interval '1 second' WHERE order_id = ANY($1)`, [orders]);

    const [a, b] = await Promise.all([reservations().releaseExpired(100), reservations().releaseExpired(100)]);
    const swept = [...a, ...b, ...(await reservations().releaseExpired(100))];

    // The service's own sweeper (every 200 ms) races too: none may release an order twice.
    const mine = swept.filter((id) => orders.includes(id));
    expect(new Set(mine).size).toBe(mine.length);
    // The background sweeper may hold one reservation in a transaction the explicit sweeps skipped
    // (SKIP LOCKED): wait (bounded) for its commit on a busy machine, then count.
    const stock = await eventually(async () => {
      const now = await inv.stockOf(productId);
      return now?.reserved === 0 ? now : undefined;
    }, 10_000).catch(() => inv.stockOf(productId));
    expect(stock).toEqual({ onHand: 50, reserved: 0, available: 50 });
    const released = await inv.sql(
      `SELECT key, count(*)::int AS n FROM outbox WHERE envelope->>'type' = 'StockReleased' AND key = ANY($1) GROUP BY key`,
      [orders],
    );
    expect(released).toHaveLength(20);
    for (const row of released) expect(row.n).toBe(1);
  });

  it('handles saga commands once per command, and answers a retried ReserveStock with the first outcome', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 4);
    const orderId = newOrderId();
    const command = createEvent('ReserveStock', orderId, { orderId, lines: [{ productId, quantity: 3 }] }, { source: 'orders' });

    await handleInventoryCommand(inv.service.dataSource, reservations(), command);
    await handleInventoryCommand(inv.service.dataSource, reservations(), command);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 4, reserved: 3, available: 1 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved']);

    const retry = createEvent('ReserveStock', orderId, { orderId, lines: [{ productId, quantity: 3 }] }, { source: 'orders' });
    await handleInventoryCommand(inv.service.dataSource, reservations(), retry);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 4, reserved: 3, available: 1 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockReserved']);
    const [reply] = await inv.sql(`SELECT envelope FROM outbox WHERE key = $1 ORDER BY seq DESC LIMIT 1`, [orderId]);
    expect(reply.envelope).toMatchObject({ causationId: retry.id, correlationId: retry.correlationId, source: 'inventory' });

    const commit = createEvent('CommitStock', orderId, { orderId }, { source: 'orders' });
    await handleInventoryCommand(inv.service.dataSource, reservations(), commit);
    await handleInventoryCommand(inv.service.dataSource, reservations(), commit);
    expect(await inv.stockOf(productId)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await inv.outboxTypes(orderId)).toEqual(['StockReserved', 'StockReserved', 'StockCommitted']);
  });

  it('publishes the outbox to Kafka (the relay marks rows sent)', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 1);
    const orderId = newOrderId();
    await reservations().reserve(orderId, [{ productId, quantity: 1 }]);
    await eventually(async () => {
      const [row] = await inv.sql('SELECT count(*)::int AS n FROM outbox WHERE key = $1 AND sent_at IS NULL', [orderId]);
      return row.n === 0 ? true : undefined;
    }, 10000);
  });
});
