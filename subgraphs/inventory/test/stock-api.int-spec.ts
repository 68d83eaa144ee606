import type { Logger as TypeOrmLogger } from 'typeorm';
import { adminViewer, customerViewer, newProductId, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

const SET_STOCK = `
  mutation Set($productId: ID!, $onHand: Int!) {
    setStock(productId: $productId, onHand: $onHand) {
      product { id inStock stock { onHand reserved available } }
      stock { onHand reserved available updatedAt }
      errors { code message field }
    }
  }`;
const ADJUST_STOCK = `
  mutation Adjust($productId: ID!, $delta: Int!, $reason: String!) {
    adjustStock(productId: $productId, delta: $delta, reason: $reason) {
      product { id inStock }
      stock { onHand reserved available }
      errors { code message field }
    }
  }`;
const ENTITIES = `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Product { id inStock stock { onHand reserved available updatedAt } } }
  }`;

/** A TypeORM logger that records every SQL statement the subgraph runs. */
class QueryRecorder implements TypeOrmLogger {
  readonly queries: string[] = [];
  logQuery(query: string) {
    this.queries.push(query);
  }
  logQueryError() {}
  logQuerySlow() {}
  logSchemaBuild() {}
  logMigration() {}
  log() {}
}

describe('inventory subgraph: stock API and Product entities', () => {
  let inv: TestInventorySubgraph;

  beforeAll(async () => {
    inv = await startInventorySubgraph();
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('lets an ADMIN set stock: payload, audit row and StockChanged in the outbox', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 3, 1);
    const admin = adminViewer();

    const res = await inv.call(SET_STOCK, { productId, onHand: 12 }, admin);

    expect(res.body.errors).toBeUndefined();
    const payload = res.body.data!.setStock;
    expect(payload.errors).toEqual([]);
    expect(payload.product).toEqual({ id: productId, inStock: true, stock: { onHand: 12, reserved: 1, available: 11 } });
    expect(payload.stock).toMatchObject({ onHand: 12, reserved: 1, available: 11 });
    expect(Date.now() - Date.parse(payload.stock.updatedAt)).toBeLessThan(60_000);
    const movements = await inv.sql('SELECT delta, on_hand_after AS "onHandAfter", reason, actor FROM stock_movements WHERE product_id = $1', [productId]);
    expect(movements).toEqual([{ delta: 9, onHandAfter: 12, reason: 'stock set to 12', actor: admin.id }]);
    const [event] = await inv.sql(`SELECT envelope FROM outbox WHERE key = $1`, [productId]);
    expect(event.envelope).toMatchObject({ type: 'StockChanged', source: 'inventory', payload: { productId, onHand: 12, reserved: 1, reason: 'stock set to 12' } });
  });

  it('refuses setStock to CUSTOMERs (FORBIDDEN) and anonymous callers (UNAUTHENTICATED)', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 3);
    const asCustomer = await inv.call(SET_STOCK, { productId, onHand: 50 }, customerViewer());
    expect(asCustomer.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    const anonymous = await inv.call(SET_STOCK, { productId, onHand: 50 });
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const adjust = await inv.call(ADJUST_STOCK, { productId, delta: 5, reason: 'restock' }, customerViewer());
    expect(adjust.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    expect((await inv.call(ADJUST_STOCK, { productId, delta: 5, reason: 'restock' })).body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await inv.stockOf(productId)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(await inv.outboxTypes(productId)).toEqual([]);
  });

  it('answers setStock below the reserved units, negative or for an unknown product with errors', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10, 4);
    const admin = adminViewer();

    const belowReserved = await inv.call(SET_STOCK, { productId, onHand: 3 }, admin);
    expect(belowReserved.body.data!.setStock).toEqual({
      product: null,
      stock: null,
      errors: [{ code: 'INVALID_INPUT', message: expect.stringMatching(/4 units are reserved/), field: ['onHand'] }],
    });
    const negative = await inv.call(SET_STOCK, { productId, onHand: -1 }, admin);
    expect(negative.body.data!.setStock.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['onHand'] })]);
    const unknown = await inv.call(SET_STOCK, { productId: newProductId(), onHand: 5 }, admin);
    expect(unknown.body.data!.setStock.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['productId'] })]);
    const malformed = await inv.call(SET_STOCK, { productId: 'x'.repeat(500), onHand: 5 }, admin);
    expect(malformed.body.data!.setStock.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);

    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 4, available: 6 });
    expect(await inv.outboxTypes(productId)).toEqual([]);
  });

  it('adjusts stock by a delta with a reason, and refuses to go below zero or below the reserved units', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 5, 2);
    const admin = adminViewer();

    const added = await inv.call(ADJUST_STOCK, { productId, delta: 7, reason: '  delivery #42  ' }, admin);
    expect(added.body.data!.adjustStock).toEqual({ product: { id: productId, inStock: true }, stock: { onHand: 12, reserved: 2, available: 10 }, errors: [] });

    const negative = await inv.call(ADJUST_STOCK, { productId, delta: -13, reason: 'shrinkage' }, admin);
    expect(negative.body.data!.adjustStock).toEqual({
      product: null,
      stock: null,
      errors: [{ code: 'INVALID_INPUT', message: 'Only 12 on hand: cannot remove 13', field: ['delta'] }],
    });
    const belowReserved = await inv.call(ADJUST_STOCK, { productId, delta: -11, reason: 'shrinkage' }, admin);
    expect(belowReserved.body.data!.adjustStock.errors).toEqual([
      { code: 'OUT_OF_STOCK', message: expect.stringMatching(/2 units are reserved/), field: ['delta'] },
    ]);
    const badInput = await inv.call(ADJUST_STOCK, { productId, delta: 0, reason: 'x'.repeat(201) }, admin);
    expect(badInput.body.data!.adjustStock.errors.map((e: { field: string[] }) => e.field)).toEqual([['delta'], ['reason']]);
    const unknown = await inv.call(ADJUST_STOCK, { productId: newProductId(), delta: 1, reason: 'found one' }, admin);
    expect(unknown.body.data!.adjustStock.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
    const huge = await inv.call(ADJUST_STOCK, { productId, delta: 1_000_000_000, reason: 'typo' }, admin);
    expect(huge.body.data!.adjustStock.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['delta'] })]);

    expect(await inv.stockOf(productId)).toEqual({ onHand: 12, reserved: 2, available: 10 });
    const movements = await inv.sql('SELECT delta, reason FROM stock_movements WHERE product_id = $1 ORDER BY id', [productId]);
    expect(movements).toEqual([{ delta: 7, reason: 'delivery #42' }]);
    expect(await inv.outboxTypes(productId)).toEqual(['StockChanged']);
  });

  it('applies concurrent adjustments exactly: 20 removals of one unit from 10 leave 0, 10 refused', async () => {
    const productId = newProductId();
    await inv.givenStock(productId, 10);
    const admin = adminViewer();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => inv.call(ADJUST_STOCK, { productId, delta: -1, reason: 'sold in the shop' }, admin)),
    );
    const refused = results.filter((r) => r.body.data!.adjustStock.errors.length > 0);
    expect(refused).toHaveLength(10);
    for (const r of refused) expect(r.body.data!.adjustStock.errors[0].code).toBe('INVALID_INPUT');
    expect(await inv.stockOf(productId)).toEqual({ onHand: 0, reserved: 0, available: 0 });
    const [{ n }] = await inv.sql('SELECT count(*)::int AS n FROM stock_movements WHERE product_id = $1', [productId]);
    expect(n).toBe(10);
  });

  it('resolves 20 Product references with ONE stock query; no record reads as zero stock', async () => {
    const stocked = Array.from({ length: 15 }, newProductId);
    const unstocked = Array.from({ length: 5 }, newProductId);
    await Promise.all(stocked.map((id, i) => inv.givenStock(id, i, Math.min(i, 1))));
    const recorder = new QueryRecorder();
    const counting = inv.service.dataSource.logger;
    inv.service.dataSource.setOptions({ logger: recorder });
    try {
      const ids = [...stocked, ...unstocked];
      const res = await inv.call(ENTITIES, { representations: ids.map((id) => ({ __typename: 'Product', id })) }, null);

      expect(res.body.errors).toBeUndefined();
      const entities = res.body.data!._entities;
      expect(entities.map((e: { id: string }) => e.id)).toEqual(ids);
      expect(entities[3]).toMatchObject({ inStock: true, stock: { onHand: 3, reserved: 1, available: 2 } });
      expect(entities[1]).toMatchObject({ inStock: false, stock: { onHand: 1, reserved: 1, available: 0 } });
      for (const e of entities.slice(15)) {
        expect(e).toEqual({ id: e.id, inStock: false, stock: { onHand: 0, reserved: 0, available: 0, updatedAt: '1970-01-01T00:00:00.000Z' } });
      }
      expect(recorder.queries.filter((q) => /\bfrom stock\b/i.test(q))).toHaveLength(1);
    } finally {
      inv.service.dataSource.setOptions({ logger: counting });
    }
  });

  it('exposes store_queries_total on /metrics, and readiness for PostgreSQL and Kafka', async () => {
    const metrics = await (await fetch(`${inv.origin}/metrics`)).text();
    expect(metrics).toMatch(/store_queries_total\{[^}]*store="postgres"[^}]*\} [1-9]/);
    const ready = await fetch(`${inv.origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', kafka: 'ok', consumer: 'ok', outboxListener: 'ok' } });
  });
});
