import { createEvent, type EventEnvelope, type EventOrigin, type ProductVariantSnapshot } from '@shopgraph/events';
import { variantsOf, variantTitle } from '../domain/variants';
import type { ProductRecord } from '../entities/product.document';

export const EVENT_SOURCE = 'products';

type Snapshot = Pick<ProductRecord, '_id' | 'sku' | 'slug' | 'name' | 'price' | 'currency' | 'active' | 'options' | 'variants'>;

/** Initial stock per variant id, for the variants that start with some (creation, addProductVariant). */
export type InitialStock = ReadonlyMap<string, number>;

/**
 * The slugs of the product's categories as the event carries them (`categorySlugs`: orders prices
 * category-limited promotions with them). One category per product today; undefined (left out of
 * the event) only where the caller did not look it up.
 */
export type CategorySlugs = string[] | undefined;

function snapshotOf(product: Snapshot, initialStock: InitialStock = new Map(), categorySlugs?: CategorySlugs) {
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
    ...(categorySlugs ? { categorySlugs } : {}),
  };
}

/**
 * ProductCreated: inventory opens a stock record per variant with its initialStock (the
 * top-level initialStock is the default variant's, as before variants), orders start pricing it.
 */
export function productCreated(product: Snapshot, initialStock: InitialStock, origin: EventOrigin, categorySlugs?: CategorySlugs): EventEnvelope<'ProductCreated'> {
  const snapshot = snapshotOf(product, initialStock, categorySlugs);
  const defaultStock = initialStock.get(snapshot.variants.find((v) => v.active)?.variantId ?? product._id) ?? 0;
  return createEvent('ProductCreated', product._id, { ...snapshot, initialStock: defaultStock }, origin);
}

/**
 * ProductUpdated: the product's new name, slug, sku, price, active flag and category slugs, and all
 * its variants (a new one with its initialStock). Also republished unchanged but for the category
 * slugs when its category's slug changes (CategoryService.update).
 */
export function productUpdated(product: Snapshot, origin: EventOrigin, initialStock?: InitialStock, categorySlugs?: CategorySlugs): EventEnvelope<'ProductUpdated'> {
  return createEvent('ProductUpdated', product._id, snapshotOf(product, initialStock, categorySlugs), origin);
}

/** ProductArchived: the product can no longer be ordered. */
export function productArchived(productId: string, origin: EventOrigin): EventEnvelope<'ProductArchived'> {
  return createEvent('ProductArchived', productId, { productId }, origin);
}
