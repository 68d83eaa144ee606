import { createEvent, type EventEnvelope, type EventOrigin, type ProductVariantSnapshot } from '@shopgraph/events';
import { variantsOf, variantTitle } from '../domain/variants';
import type { ProductRecord } from '../entities/product.document';

export const EVENT_SOURCE = 'products';

type Snapshot = Pick<ProductRecord, '_id' | 'sku' | 'slug' | 'name' | 'price' | 'currency' | 'active' | 'options' | 'variants'>;

/** Initial stock per variant id, for the variants that start with some (creation, addProductVariant). */
export type InitialStock = ReadonlyMap<string, number>;

function snapshotOf(product: Snapshot, initialStock: InitialStock = new Map()) {
  const variants: ProductVariantSnapshot[] = variantsOf(product).map((v) => ({
    variantId: v.id,
    sku: v.sku,
    title: variantTitle(product.name, v),
    options: v.options.map((o) => ({ name: o.name, value: o.value })),
    price: { amount: v.price, currency: product.currency },
    active: v.active,
    ...(initialStock.has(v.id) ? { initialStock: initialStock.get(v.id)! } : {}),
  }));
  return {
    productId: product._id,
    sku: product.sku,
    slug: product.slug,
    name: product.name,
    price: { amount: product.price, currency: product.currency },
    active: product.active,
    variants,
  };
}

/**
 * ProductCreated: inventory opens a stock record per variant with its initialStock (the
 * top-level initialStock is the default variant's, as before variants), orders start pricing it.
 */
export function productCreated(product: Snapshot, initialStock: InitialStock, origin: EventOrigin): EventEnvelope<'ProductCreated'> {
  const snapshot = snapshotOf(product, initialStock);
  const defaultStock = initialStock.get(snapshot.variants.find((v) => v.active)?.variantId ?? product._id) ?? 0;
  return createEvent('ProductCreated', product._id, { ...snapshot, initialStock: defaultStock }, origin);
}

/** ProductUpdated: the product's new name, slug, sku, price and active flag, and all its variants (a new one with its initialStock). */
export function productUpdated(product: Snapshot, origin: EventOrigin, initialStock?: InitialStock): EventEnvelope<'ProductUpdated'> {
  return createEvent('ProductUpdated', product._id, snapshotOf(product, initialStock), origin);
}

/** ProductArchived: the product can no longer be ordered. */
export function productArchived(productId: string, origin: EventOrigin): EventEnvelope<'ProductArchived'> {
  return createEvent('ProductArchived', productId, { productId }, origin);
}
