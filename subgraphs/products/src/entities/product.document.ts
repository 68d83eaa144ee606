import type { Collection, Db } from 'mongodb';
import { WITHOUT_OUTBOX, type OutboxFields } from '@shopgraph/events';

/** A product as stored in the `products` collection (never returned to clients as is). */
export interface ProductDocument extends OutboxFields {
  /** The product id (uuid). */
  _id: string;
  /** Stock-keeping unit, uppercase, unique. */
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
  /** Minor units. */
  price: number;
  currency: string;
  active: boolean;
  /**
   * Lowercase, accent-free words of name, description, brand and tags, rewritten with every
   * change: search matches words against it (FerretDB has no $text).
   */
  searchTerms: string[];
  /** Bumped by every update; updates are conditional on it. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A product document without its outbox and search fields: what reads, the cache and the API use. */
export type ProductRecord = Omit<ProductDocument, keyof OutboxFields | 'searchTerms'>;

/** Projection for reads: leaves out the outbox and the search terms. */
export const PRODUCT_READ_PROJECTION = { ...WITHOUT_OUTBOX, searchTerms: 0 } as const;

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
}
