import type { DataSource } from 'typeorm';
import { causedBy, processOnce, type EventEnvelope } from '@shopgraph/events';
import { SOURCE, type StockService } from '../services/stock.service';

const CONSUMER = 'inventory.product-created';

/**
 * products.v1 ProductCreated → the product's stock record with onHand = initialStock. Twice
 * idempotent: the inbox drops a redelivered event, ON CONFLICT keeps a record that already exists.
 * Returns whether a record was created.
 */
export async function handleProductCreated(dataSource: DataSource, stock: StockService, event: EventEnvelope<'ProductCreated'>): Promise<boolean> {
  let created = false;
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    created = await stock.createForProduct(manager, event.payload.productId, event.payload.initialStock, causedBy(event, SOURCE));
  });
  return created;
}
