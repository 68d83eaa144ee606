import type { Collection, Db } from 'mongodb';
import type { KnownProductDocument, PurchaseFactDocument, RatingSummaryDocument, ReviewDocument } from './review.document';

/** The collections of the reviews database, typed. */
export interface ReviewsCollections {
  reviews: Collection<ReviewDocument>;
  ratingSummaries: Collection<RatingSummaryDocument>;
  purchaseFacts: Collection<PurchaseFactDocument>;
  knownProducts: Collection<KnownProductDocument>;
}

/** Typed handles on the reviews collections of `db`. */
export function collectionsOf(db: Db): ReviewsCollections {
  return {
    reviews: db.collection<ReviewDocument>('reviews'),
    ratingSummaries: db.collection<RatingSummaryDocument>('rating_summaries'),
    purchaseFacts: db.collection<PurchaseFactDocument>('purchase_facts'),
    knownProducts: db.collection<KnownProductDocument>('known_products'),
  };
}

/**
 * Creates the indexes the code relies on (idempotent). The unique (productId, authorId) index is
 * what makes "one review per user and product" hold under concurrency.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  const { reviews, purchaseFacts } = collectionsOf(db);
  await reviews.createIndex({ productId: 1, authorId: 1 }, { unique: true, name: 'one_review_per_author_and_product' });
  await reviews.createIndex({ productId: 1, createdAt: -1, _id: -1 }, { name: 'product_newest_first' });
  await reviews.createIndex({ authorId: 1, createdAt: -1, _id: -1 }, { name: 'author_newest_first' });
  await purchaseFacts.createIndex({ customerId: 1 }, { name: 'facts_by_customer' });
}
