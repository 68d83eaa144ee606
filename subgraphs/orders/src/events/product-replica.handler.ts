import type { DataSource } from 'typeorm';
import { processOnce, type EventEnvelope } from '@shopgraph/events';
import type { ProductReplicaStore } from '../stores/product-replica.store';

const CONSUMER = 'orders.product-replica';

/** The products.v1 events the replica follows. */
export type ProductEvent = EventEnvelope<'ProductCreated'> | EventEnvelope<'ProductUpdated'> | EventEnvelope<'ProductArchived'>;

export const isProductEvent = (event: EventEnvelope): event is ProductEvent =>
  event.type === 'ProductCreated' || event.type === 'ProductUpdated' || event.type === 'ProductArchived';

/**
 * products.v1 → the local price replica, per product and per variant. Idempotent (inbox) and monotonic: a state is written only
 * when its event occurred no earlier than the one that wrote the current state. Returns whether
 * the replica changed.
 */
export async function handleProductEvent(dataSource: DataSource, replica: ProductReplicaStore, event: ProductEvent): Promise<boolean> {
  let changed = false;
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    const occurredAt = new Date(event.occurredAt);
    if (event.type === 'ProductArchived') {
      changed = await replica.archive(manager, event.payload.productId, occurredAt);
      return;
    }
    const p = (event as EventEnvelope<'ProductCreated'> | EventEnvelope<'ProductUpdated'>).payload;
    changed = await replica.upsert(
      manager,
      { productId: p.productId, sku: p.sku, name: p.name, priceAmount: p.price.amount, currency: p.price.currency, active: p.active, categorySlugs: p.categorySlugs },
      occurredAt,
    );
    // An event from before variants names none: the product is its default variant (same id, sku, price).
    const variants = p.variants ?? [{ variantId: p.productId, sku: p.sku, title: p.name, options: [], price: p.price, active: true }];
    await replica.upsertVariants(
      manager,
      p.productId,
      variants.map((v) => ({ variantId: v.variantId, sku: v.sku, title: v.title, options: v.options, priceAmount: v.price.amount, currency: v.price.currency, active: v.active })),
      occurredAt,
    );
  });
  return changed;
}
