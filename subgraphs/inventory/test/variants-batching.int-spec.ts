import { randomUUID } from 'node:crypto';
import { createEvent } from '@shopgraph/events';
import { handleProductCreated } from '../src/events/product-created.handler';
import { StockStore } from '../src/stores/stock.store';
import { adminViewer, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

// The N+1 guard of variants in inventory: the stock of many products and of all their variants
// (what the gateway asks for a listing with variants) is read in one query per entity type,
// however many products and variants the batch holds.

const ENTITIES = `
  query E($reps: [_Any!]!) {
    _entities(representations: $reps) {
      ... on Product { id inStock stock { onHand reserved available } }
      ... on ProductVariant { id inStock stock { onHand reserved available } }
    }
  }`;
const LOW = `query L($first: Int) { lowStock(threshold: 1000, first: $first) { totalCount edges { node { id inStock stock { onHand available } } } } }`;

/** A product with `sizes` variants announced by products.v1, variant i holding i + 1 units. */
function announcement(sizes: number) {
  const productId = randomUUID();
  const variants = Array.from({ length: sizes }, (_, i) => ({
    variantId: `${productId}:v${i}`,
    sku: `SKU-${productId.slice(0, 8)}-${i}`,
    title: `Size ${i}`,
    options: [{ name: 'Size', value: String(i) }],
    price: { amount: 2500, currency: 'USD' },
    active: true,
    initialStock: i + 1,
  }));
  const event = createEvent(
    'ProductCreated',
    productId,
    {
      productId,
      sku: `SKU-${productId.slice(0, 8)}`,
      slug: `p-${productId}`,
      name: 'Shirt',
      price: { amount: 2500, currency: 'USD' },
      active: true,
      variants,
      initialStock: 0,
    },
    { source: 'products' },
  );
  return { productId, variantIds: variants.map((v) => v.variantId), event };
}

describe('inventory subgraph: variant stock without N+1', () => {
  let inv: TestInventorySubgraph;
  const products: { productId: string; variantIds: string[] }[] = [];

  beforeAll(async () => {
    inv = await startInventorySubgraph({ PG_CONNECT_TIMEOUT_MS: '15000' });
    for (let i = 0; i < 25; i++) {
      const { productId, variantIds, event } = announcement(3);
      await handleProductCreated(inv.service.dataSource, inv.service.services.stock, event);
      products.push({ productId, variantIds });
    }
  }, 180_000);
  afterAll(async () => {
    await inv?.stop();
  });

  /**
   * Resolves Product and ProductVariant references of the first `count` products (and an unknown
   * product and variant nobody else asks for), and returns the stock store calls of this request:
   * the spies hear the whole process, so only the calls whose batch carries the unknown ids count.
   */
  async function entitiesCost(count: number) {
    const unknownProduct = randomUUID();
    const unknownVariant = `${unknownProduct}:nope`;
    const some = products.slice(0, count);
    const reps = [
      ...some.map((p) => ({ __typename: 'Product', id: p.productId })),
      { __typename: 'Product', id: unknownProduct },
      ...some.flatMap((p) => p.variantIds.map((id) => ({ __typename: 'ProductVariant', id }))),
      { __typename: 'ProductVariant', id: unknownVariant },
    ];
    const sums = jest.spyOn(StockStore.prototype, 'sumsByProduct');
    const rows = jest.spyOn(StockStore.prototype, 'findByProductIds');
    try {
      const res = await inv.call(ENTITIES, { reps });
      expect(res.body.errors).toBeUndefined();
      const entities = res.body.data!._entities;
      expect(entities).toHaveLength(reps.length);
      const productEntities = entities.slice(0, count + 1);
      const variantEntities = entities.slice(count + 1);
      for (const [i, p] of some.entries())
        expect(productEntities[i]).toEqual({ id: p.productId, inStock: true, stock: { onHand: 6, reserved: 0, available: 6 } });
      expect(productEntities[count]).toEqual({ id: unknownProduct, inStock: false, stock: { onHand: 0, reserved: 0, available: 0 } });
      for (const [i, id] of some.flatMap((p) => p.variantIds).entries()) {
        const units = (i % 3) + 1;
        expect(variantEntities[i]).toEqual({ id, inStock: true, stock: { onHand: units, reserved: 0, available: units } });
      }
      expect(variantEntities[count * 3]).toEqual({ id: unknownVariant, inStock: false, stock: { onHand: 0, reserved: 0, available: 0 } });
      const sumCalls = sums.mock.calls.filter(([ids]) => ids.includes(unknownProduct));
      const rowCalls = rows.mock.calls.filter(([ids]) => ids.includes(unknownVariant));
      // The one call of each kind carries the whole batch.
      expect(sumCalls.map(([ids]) => ids.length)).toEqual([count + 1]);
      expect(rowCalls.map(([ids]) => ids.length)).toEqual([count * 3 + 1]);
      return { sums: sumCalls.length, rows: rowCalls.length };
    } finally {
      sums.mockRestore();
      rows.mockRestore();
    }
  }

  it('reads the stock of 5 or 25 products and of all their variants with one query per entity type', async () => {
    expect(await entitiesCost(5)).toEqual({ sums: 1, rows: 1 });
    expect(await entitiesCost(25)).toEqual({ sums: 1, rows: 1 });
  });

  it('sends one SQL statement per entity type for a batch of 100 references (counted at the driver)', async () => {
    const unknown = randomUUID();
    const reps = [
      ...products.map((p) => ({ __typename: 'Product', id: p.productId })),
      ...products.flatMap((p) => p.variantIds.map((id) => ({ __typename: 'ProductVariant', id }))),
      { __typename: 'ProductVariant', id: unknown },
    ];
    // Every statement the data source runs during the request; background work (the reservation
    // sweeper, the outbox relay) never reads the stock table by these ids.
    const statements: { sql: string; params: unknown[] }[] = [];
    const logger = inv.service.dataSource.logger;
    const original = logger.logQuery.bind(logger);
    logger.logQuery = (query: string, parameters?: unknown[]) => {
      statements.push({ sql: query, params: parameters ?? [] });
      return original(query, parameters);
    };
    try {
      const res = await inv.call(ENTITIES, { reps });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!._entities).toHaveLength(reps.length);
    } finally {
      logger.logQuery = original;
    }
    // Every statement on the stock table that names any of this batch's products or variants: one per entity type.
    const ids = products.map((p) => p.productId);
    const mine = statements.filter((s) => /\bfrom stock\b/i.test(s.sql) && ids.some((id) => JSON.stringify(s.params).includes(id)));
    expect(mine).toHaveLength(2);
    expect(statements.filter((s) => JSON.stringify(s.params).includes(unknown))).toHaveLength(1);
  });

  it('lists lowStock with the summed stock at the same cost for 5 as for 25 products', async () => {
    // This subgraph consumes nothing (CONSUMERS=''), so no background work calls these store methods.
    const cost = async (first: number) => {
      const page = jest.spyOn(StockStore.prototype, 'lowStockPage');
      const count = jest.spyOn(StockStore.prototype, 'countLowStock');
      const sums = jest.spyOn(StockStore.prototype, 'sumsByProduct');
      try {
        const res = await inv.call(LOW, { first }, adminViewer());
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.lowStock.edges).toHaveLength(first);
        for (const { node } of res.body.data!.lowStock.edges) expect(node.stock.onHand).toBe(6);
        return [page.mock.calls.length, count.mock.calls.length, sums.mock.calls.length];
      } finally {
        page.mockRestore();
        count.mockRestore();
        sums.mockRestore();
      }
    };
    expect(await cost(5)).toEqual([1, 1, 1]);
    expect(await cost(25)).toEqual([1, 1, 1]);
  });
});
