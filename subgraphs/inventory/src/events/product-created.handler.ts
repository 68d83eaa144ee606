import type { DataSource } from 'typeorm';
import { causedBy, processOnce, type EventEnvelope } from '@shopgraph/events';
import { SOURCE, type StockService } from '../services/stock.service';

const CONSUMER = 'inventory.product-created';

/** The products.v1 events that open stock records. */
export type ProductStockEvent = EventEnvelope<'ProductCreated'> | EventEnvelope<'ProductUpdated'>;

/**
 * The variants an event names, with the stock each starts with. An event from before variants
 * carries none: the product's default variant (id = the product's) with the top-level initialStock.
 */
export function variantsToStock(event: ProductStockEvent): { variantId: string; initialStock: number; active: boolean }[] {
  const { payload } = event;
  if (!payload.variants) {
    return [{ variantId: payload.productId, initialStock: event.type === 'ProductCreated' ? (event as EventEnvelope<'ProductCreated'>).payload.initialStock : 0, active: true }];
  }
  return payload.variants.map((v) => ({ variantId: v.variantId, initialStock: v.initialStock ?? 0, active: v.active }));
}

/**
 * products.v1 ProductCreated / ProductUpdated → a stock record per variant (onHand = its
 * initialStock; a variant added later arrives in a ProductUpdated) and each record's active flag
 * (an archived variant leaves Product.stock). Twice idempotent: the inbox drops a redelivered
 * event, ON CONFLICT keeps a record that already exists with its numbers. Returns whether a record was created.
 */
export async function handleProductCreated(dataSource: DataSource, stock: StockService, event: ProductStockEvent): Promise<boolean> {
  let created = false;
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    const productId = event.payload.productId;
    const variants = variantsToStock(event);
    for (const v of variants) {
      if (await stock.createForProduct(manager, v.variantId, v.initialStock, causedBy(event, SOURCE), productId)) created = true;
    }
    await stock.setActiveVariants(manager, productId, variants.filter((v) => v.active).map((v) => v.variantId));
  });
  return created;
}
