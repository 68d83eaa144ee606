import type { Db } from 'mongodb';
import { activeVariantPrices, defaultVariantDoc } from '../domain/variants';
import { productsCollection } from '../entities/product.document';
import { SkuStore } from '../stores/sku.store';

/**
 * Gives every product stored before variants existed its options ([]), its default variant (id,
 * sku and price of the product) and variantPrices, in place, and registers its sku in the sku
 * registry. Idempotent: only documents without `variants` are read, each written by an update
 * conditional on that, and the registry write is an upsert that keeps an existing claim; a rerun
 * (or two replicas starting at once) changes nothing twice. Ids stay as they are, so every stock
 * row, cart line, order line and event naming the product names its default variant.
 * Returns how many products it migrated.
 */
export async function migrateProductVariants(db: Db): Promise<number> {
  const products = productsCollection(db);
  const skus = new SkuStore(db);
  let migrated = 0;
  const legacy = await products.find({ variants: { $exists: false } }, { projection: { _id: 1, sku: 1, price: 1, active: 1 } }).toArray();
  for (const doc of legacy) {
    const variant = defaultVariantDoc(doc);
    await skus.register(doc._id, [doc.sku]);
    const result = await products.updateOne(
      { _id: doc._id, variants: { $exists: false } },
      { $set: { options: [], variants: [variant], variantPrices: activeVariantPrices([variant]) } },
    );
    migrated += result.modifiedCount;
  }
  return migrated;
}
