import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { handleInventoryCommand } from '../src/events/inventory-command.handler';
import { newProductId, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

// RestockReturn (issue 15): the goods of a received return go back on hand once per return line,
// on the real PostgreSQL of the stack, through the same handler the Kafka consumer calls.
describe('inventory: RestockReturn', () => {
  let inv: TestInventorySubgraph;
  const handle = (command: Parameters<typeof handleInventoryCommand>[2]) =>
    handleInventoryCommand(inv.service.dataSource, inv.service.services.reservations, command);
  const restock = (returnId: string, orderId: string, lines: { productId: string; variantId?: string; quantity: number }[]) =>
    createEvent('RestockReturn', orderId, { returnId, orderId, lines }, { source: 'orders' });

  beforeAll(async () => {
    inv = await startInventorySubgraph();
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('adds each line to on_hand with a RETURNED movement, StockChanged and ReturnRestocked', async () => {
    const [a, b] = [newProductId(), newProductId()];
    await inv.givenStock(a, 3);
    await inv.givenStock(b, 0);
    const [returnId, orderId] = [randomUUID(), randomUUID()];

    await handle(restock(returnId, orderId, [{ productId: a, quantity: 2 }, { productId: 'parent-of-b', variantId: b, quantity: 1 }]));

    expect(await inv.stockOf(a)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(await inv.stockOf(b)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    const movements = await inv.sql<{ product_id: string; delta: number; reason: string }>(
      'SELECT product_id, delta, reason FROM stock_movements WHERE product_id = ANY($1) ORDER BY product_id',
      [[a, b]],
    );
    expect(movements).toHaveLength(2);
    for (const m of movements) expect(m.reason).toBe(`RETURNED: return ${returnId} of order ${orderId}`);
    expect(movements.map((m) => [m.product_id, m.delta]).sort()).toEqual([[a, 2], [b, 1]].sort());
    expect(await inv.outboxTypes(orderId)).toEqual(['ReturnRestocked']);
    expect(await inv.outboxTypes(a)).toEqual(['StockChanged']);
  });

  it('restocks once: the same command redelivered and the same return sent again as a new command add nothing, but are answered', async () => {
    const p = newProductId();
    await inv.givenStock(p, 10);
    const [returnId, orderId] = [randomUUID(), randomUUID()];
    const command = restock(returnId, orderId, [{ productId: p, quantity: 4 }]);

    await handle(command);
    await handle(command); // redelivered: the inbox drops it
    await handle(restock(returnId, orderId, [{ productId: p, quantity: 4 }])); // re-sent with a new id: return_restocks drops it

    expect(await inv.stockOf(p)).toEqual({ onHand: 14, reserved: 0, available: 14 });
    const [{ n }] = await inv.sql<{ n: number }>('SELECT count(*)::int AS n FROM stock_movements WHERE product_id = $1', [p]);
    expect(n).toBe(1);
    expect(await inv.outboxTypes(orderId)).toEqual(['ReturnRestocked', 'ReturnRestocked']);
  });

  it('two returns of the same order each restock their own lines', async () => {
    const p = newProductId();
    await inv.givenStock(p, 0);
    const orderId = randomUUID();
    await handle(restock(randomUUID(), orderId, [{ productId: p, quantity: 1 }]));
    await handle(restock(randomUUID(), orderId, [{ productId: p, quantity: 2 }]));
    expect(await inv.stockOf(p)).toEqual({ onHand: 3, reserved: 0, available: 3 });
  });

  it('skips a line whose stock item has no record and still answers', async () => {
    const [returnId, orderId] = [randomUUID(), randomUUID()];
    await handle(restock(returnId, orderId, [{ productId: newProductId(), quantity: 1 }]));
    expect(await inv.outboxTypes(orderId)).toEqual(['ReturnRestocked']);
    const rows = await inv.sql('SELECT * FROM return_restocks WHERE return_id = $1', [returnId]);
    expect(rows).toEqual([]);
  });
});
