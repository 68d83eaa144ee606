import { createEvent, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import type { ProductRecord } from '../entities/product.document';

export const EVENT_SOURCE = 'products';

type Snapshot = Pick<ProductRecord, '_id' | 'sku' | 'slug' | 'name' | 'price' | 'currency' | 'active'>;

function snapshotOf(product: Snapshot) {
  return {
    productId: product._id,
    sku: product.sku,
    slug: product.slug,
    name: product.name,
    price: { amount: product.price, currency: product.currency },
    active: product.active,
  };
}

/** ProductCreated: inventory opens a stock record with `initialStock`, orders start pricing it. */
export function productCreated(product: Snapshot, initialStock: number, origin: EventOrigin): EventEnvelope<'ProductCreated'> {
  return createEvent('ProductCreated', product._id, { ...snapshotOf(product), initialStock }, origin);
}

/** ProductUpdated: the product's new name, slug, sku, price and active flag. */
export function productUpdated(product: Snapshot, origin: EventOrigin): EventEnvelope<'ProductUpdated'> {
  return createEvent('ProductUpdated', product._id, snapshotOf(product), origin);
}

/** ProductArchived: the product can no longer be ordered. */
export function productArchived(productId: string, origin: EventOrigin): EventEnvelope<'ProductArchived'> {
  return createEvent('ProductArchived', productId, { productId }, origin);
}
