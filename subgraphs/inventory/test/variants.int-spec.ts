import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope } from '@shopgraph/events';
import { handleInventoryCommand } from '../src/events/inventory-command.handler';
import { handleProductCreated } from '../src/events/product-created.handler';
import { adminViewer, startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

// Stock per variant: records opened from the variants products.v1 announces, Product.stock summed
// over active variants, the variant mutations, reservations per variant and lowStock.

const ENTITIES = `
  query E($reps: [_Any!]!) {
    _entities(representations: $reps) {
      ... on Product { id inStock stock { onHand reserved available } }
      ... on ProductVariant { id inStock stock { onHand reserved available } }
    }
  }`;
const SET = `mutation S($id: ID!, $n: Int!) { setVariantStock(variantId: $id, onHand: $n) { product { id stock { onHand } } variant { id stock { onHand available } } stock { onHand } errors { code field } } }`;
const ADJUST = `mutation A($id: ID!, $d: Int!) { adjustVariantStock(variantId: $id, delta: $d, reason: "recount") { product { id stock { onHand } } variant { id stock { onHand } } errors { code field message } } }`;
const LOW = `query L($t: Int) { lowStock(threshold: $t, first: 100) { edges { node { id stock { available } } } } }`;

type Variant = { variantId: string; sku: string; title: string; options: { name: string; value: string }[]; price: { amount: number; currency: string }; active: boolean; initialStock?: number };

function shirt(stocks: number[]): { productId: string; variants: Variant[] } {
  const productId = randomUUID();
  const variants = stocks.map((initialStock, i) => ({
    variantId: `${productId}:v${i}`,
    sku: `SKU-${productId.slice(0, 8)}-${i}`,
    title: `Size ${i}`,
    options: [{ name: 'Size', value: String(i) }],
    price: { amount: 2500, currency: 'USD' },
    active: true,
    initialStock,
  }));
  return { productId, variants };
}

const snapshot = (productId: string, variants: Variant[]) => ({
  productId,
  sku: `SKU-${productId.slice(0, 8)}`,
  slug: `p-${productId}`,
  name: 'Shirt',
  price: { amount: 2500, currency: 'USD' },
  active: true,
  variants,
});

describe('inventory subgraph: stock per variant', () => {
  let inv: TestInventorySubgraph;
  const created = (productId: string, variants: Variant[]) => createEvent('ProductCreated', productId, { ...snapshot(productId, variants), initialStock: 0 }, { source: 'products' });
  const updated = (productId: string, variants: Variant[]) => createEvent('ProductUpdated', productId, snapshot(productId, variants), { source: 'products' });
  const handle = (event: EventEnvelope<'ProductCreated'> | EventEnvelope<'ProductUpdated'>) => handleProductCreated(inv.service.dataSource, inv.service.services.stock, event);
  const entities = async (reps: { __typename: string; id: string }[]) => (await inv.call(ENTITIES, { reps })).body.data!._entities;

  beforeAll(async () => {
    inv = await startInventorySubgraph({ PG_CONNECT_TIMEOUT_MS: '15000' });
  });
  afterAll(async () => {
    await inv?.stop();
  });

  it('opens a record per announced variant; Product.stock sums the active ones; an archived variant leaves the sum; redelivery changes nothing', async () => {
    const { productId, variants } = shirt([5, 3, 0]);
    const event = created(productId, variants);
    expect(await handle(event)).toBe(true);
    expect(await handle(event)).toBe(false);
    expect(await entities([{ __typename: 'Product', id: productId }, ...variants.map((v) => ({ __typename: 'ProductVariant', id: v.variantId }))])).toEqual([
      { id: productId, inStock: true, stock: { onHand: 8, reserved: 0, available: 8 } },
      { id: variants[0].variantId, inStock: true, stock: { onHand: 5, reserved: 0, available: 5 } },
      { id: variants[1].variantId, inStock: true, stock: { onHand: 3, reserved: 0, available: 3 } },
      { id: variants[2].variantId, inStock: false, stock: { onHand: 0, reserved: 0, available: 0 } },
    ]);
    // A variant added later (ProductUpdated with its initialStock) and one archived.
    const added: Variant = { ...variants[0], variantId: `${productId}:v9`, sku: 'X', initialStock: 4 };
    expect(await handle(updated(productId, [{ ...variants[0], active: false, initialStock: undefined }, variants[1], variants[2], added]))).toBe(true);
    expect((await entities([{ __typename: 'Product', id: productId }]))[0].stock).toEqual({ onHand: 7, reserved: 0, available: 7 });
    // The old ProductUpdated's initialStock does not reset a record that exists.
    expect(await inv.stockOf(added.variantId)).toMatchObject({ onHand: 4 });
  });

  it('keeps a product without options on its default variant: the existing row keyed by the product id', async () => {
    const productId = randomUUID();
    await inv.givenStock(productId, 6);
    const defaultVariant: Variant = { variantId: productId, sku: 'D', title: 'Plain', options: [], price: { amount: 100, currency: 'USD' }, active: true };
    expect(await handle(updated(productId, [defaultVariant]))).toBe(false);
    expect(await entities([{ __typename: 'Product', id: productId }, { __typename: 'ProductVariant', id: productId }])).toEqual([
      { id: productId, inStock: true, stock: { onHand: 6, reserved: 0, available: 6 } },
      { id: productId, inStock: true, stock: { onHand: 6, reserved: 0, available: 6 } },
    ]);
  });

  it('sets and adjusts one variant\'s stock (ADMIN), the product payload showing the sum; unknown variants are NOT_FOUND', async () => {
    const { productId, variants } = shirt([5, 3]);
    await handle(created(productId, variants));
    const set = (await inv.call(SET, { id: variants[1].variantId, n: 10 }, adminViewer())).body.data!.setVariantStock;
    expect(set).toEqual({ product: { id: productId, stock: { onHand: 15 } }, variant: { id: variants[1].variantId, stock: { onHand: 10, available: 10 } }, stock: { onHand: 10 }, errors: [] });
    const adjusted = (await inv.call(ADJUST, { id: variants[0].variantId, d: -2 }, adminViewer())).body.data!.adjustVariantStock;
    expect(adjusted).toEqual({ product: { id: productId, stock: { onHand: 13 } }, variant: { id: variants[0].variantId, stock: { onHand: 3 } }, errors: [] });
    const unknown = (await inv.call(SET, { id: `${productId}:nope`, n: 1 }, adminViewer())).body.data!.setVariantStock;
    expect(unknown.errors).toEqual([{ code: 'NOT_FOUND', field: ['variantId'] }]);
    const tooMany = (await inv.call(ADJUST, { id: variants[0].variantId, d: -4 }, adminViewer())).body.data!.adjustVariantStock;
    expect(tooMany.errors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['delta'] });
    // Every change went out as StockChanged keyed by the product, naming the variant.
    const [row] = await inv.sql(`SELECT envelope FROM outbox WHERE key = $1 AND envelope->'payload'->>'reason' = 'recount'`, [productId]);
    expect(row.envelope.payload).toMatchObject({ productId, variantId: variants[0].variantId, onHand: 3 });
  });

  it('reserves per variant from ReserveStock lines with variantId: the right variant\'s stock moves, a short variant fails the order', async () => {
    const { productId, variants } = shirt([5, 1]);
    await handle(created(productId, variants));
    const reserve = (orderId: string, lines: { productId: string; variantId?: string; quantity: number }[]) =>
      handleInventoryCommand(inv.service.dataSource, inv.service.services.reservations, createEvent('ReserveStock', orderId, { orderId, lines }, { source: 'orders' }));
    const ok = randomUUID();
    await reserve(ok, [{ productId, variantId: variants[0].variantId, quantity: 2 }, { productId, variantId: variants[1].variantId, quantity: 1 }]);
    expect(await inv.stockOf(variants[0].variantId)).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(await inv.stockOf(variants[1].variantId)).toEqual({ onHand: 1, reserved: 1, available: 0 });
    expect(await inv.outboxTypes(ok)).toContain('StockReserved');
    const short = randomUUID();
    await reserve(short, [{ productId, variantId: variants[1].variantId, quantity: 1 }]);
    const [failed] = await inv.sql(`SELECT envelope FROM outbox WHERE key = $1 AND envelope->>'type' = 'StockReservationFailed'`, [short]);
    expect(failed.envelope.payload).toEqual({ orderId: short, reason: 'OUT_OF_STOCK', productIds: [variants[1].variantId] });
    expect(await inv.stockOf(variants[0].variantId)).toEqual({ onHand: 5, reserved: 2, available: 3 });
  });

  it('lists in lowStock the products of low active variants, by the lowest variant, with the summed stock', async () => {
    const { productId, variants } = shirt([40, 1]);
    await handle(created(productId, variants));
    const listed = async () => ((await inv.call(LOW, { t: 1 }, adminViewer())).body.data!.lowStock.edges as { node: { id: string; stock: { available: number } } }[]).find((e) => e.node.id === productId);
    expect(await listed()).toEqual({ node: { id: productId, stock: { available: 41 } } });
    // Once the low variant is archived, the product is no longer low.
    await handle(updated(productId, [variants[0], { ...variants[1], active: false }]));
    expect(await listed()).toBeUndefined();
  });
});
