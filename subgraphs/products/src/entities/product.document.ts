import type { Collection, Db } from 'mongodb';
import { WITHOUT_OUTBOX, type OutboxFields } from '@shopgraph/events';
import type { ProductOptionDoc, VariantDoc } from '../domain/variants';
import { SKU_CLAIMS_COLLECTION } from '../stores/sku.store';

/** A product as stored in the `products` collection (never returned to clients as is). */
export interface ProductDocument extends OutboxFields {
  /** The product id (uuid). */
  _id: string;
  /** Stock-keeping unit, uppercase, unique: the default variant's sku for a product without options. */
  sku: string;
  /** URL name, unique, fixed at creation. */
  slug: string;
  name: string;
  /** Lowercased name: the NAME sort key (FerretDB has no collation). */
  nameKey: string;
  description: string;
  brand: string | null;
  /** Lowercased brand for the case-insensitive brand filter. */
  brandKey: string | null;
  categoryId: string;
  /** Lowercase, de-duplicated. */
  tags: string[];
  images: string[];
  /** Minor units: always the default variant's price (the PRICE sort key). */
  price: number;
  currency: string;
  active: boolean;
  /**
   * Lowercase, accent-free words of name, description, brand and tags, rewritten with every
   * change: search matches words against it (FerretDB has no $text).
   */
  searchTerms: string[];
  /** The product's options, in display order; empty for a product without options. */
  options: ProductOptionDoc[];
  /** At least one; a product without options has exactly one, whose id is the product's id. */
  variants: VariantDoc[];
  /** Prices of the active variants (multikey): price filters match a product when any of them matches. */
  variantPrices: number[];
  /** Bumped by every update; updates are conditional on it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A product document without its outbox and search fields: what reads, the cache and the API use. */
export type ProductRecord = Omit<ProductDocument, keyof OutboxFields | 'searchTerms' | 'variantPrices' | 'options' | 'variants'> &
  // Optional: a document (or a cached copy) from before variants existed has neither; read them through variantsOf/optionsOf.
  Partial<Pick<ProductDocument, 'options' | 'variants'>>;

/** Projection for reads: leaves out the outbox and the search terms. */
export const PRODUCT_READ_PROJECTION = { ...WITHOUT_OUTBOX, searchTerms: 0, variantPrices: 0 } as const;

export const PRODUCTS_COLLECTION = 'products';

/** The products collection, typed. */
export function productsCollection(db: Db): Collection<ProductDocument> {
  return db.collection<ProductDocument>(PRODUCTS_COLLECTION);
}

/**
 * Creates the products indexes (idempotent). The unique indexes on sku and slug are what makes
 * concurrent creates safe: the loser gets error 11000.
 */
export async function ensureProductIndexes(db: Db): Promise<void> {
  const products = productsCollection(db);
  await products.createIndex({ sku: 1 }, { unique: true, name: 'products_sku_unique' });
  await products.createIndex({ slug: 1 }, { unique: true, name: 'products_slug_unique' });
  await products.createIndex({ categoryId: 1, createdAt: -1 }, { name: 'products_category_newest' });
  await products.createIndex({ createdAt: -1, _id: 1 }, { name: 'products_newest' });
  await products.createIndex({ price: 1, _id: 1 }, { name: 'products_price' });
  await products.createIndex({ nameKey: 1, _id: 1 }, { name: 'products_name' });
  await products.createIndex({ searchTerms: 1 }, { name: 'products_search_terms' });
  await products.createIndex({ variantPrices: 1 }, { name: 'products_variant_prices' });
  // Creates the sku registry up front: FerretDB fails concurrent first inserts that would each create it.
  await db.collection(SKU_CLAIMS_COLLECTION).createIndex({ productId: 1 }, { name: 'sku_claims_product' });
}
