import type { Collection } from 'mongodb';
import type { ReviewDocument } from '../entities/review.document';
import { afterFilter, NEWEST_FIRST, type ReviewPosition } from '../domain/review.cursor';
import { slices } from './write-batches';

/** Whose reviews a list is: a product's or an author's. */
export type ReviewParent = 'productId' | 'authorId';

/** Thrown when the (productId, authorId) unique index refuses a second review. */
export class AlreadyReviewedError extends Error {}

const DUPLICATE_KEY = 11000;

/** Reviews in MongoDB: single-document writes only (FerretDB has no multi-document transactions). */
export class ReviewStore {
  constructor(private readonly reviews: Collection<ReviewDocument>) {}

  /** Inserts a review; AlreadyReviewedError when this author already reviewed this product (race-safe via the unique index). */
  async insert(review: ReviewDocument): Promise<void> {
    try {
      await this.reviews.insertOne(review);
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) throw new AlreadyReviewedError();
      throw error;
    }
  }

  /** The reviews with these ids, in one query. */
  findByIds(ids: readonly string[]): Promise<ReviewDocument[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.reviews.find({ _id: { $in: [...ids] } }).toArray();
  }

  /** Deletes a review; false when it was already gone (so only one of concurrent deletes counts). */
  async delete(id: string): Promise<boolean> {
    return (await this.reviews.deleteOne({ _id: id })).deletedCount === 1;
  }

  /** One page of a parent's reviews, newest first, after `position`: `limit` rows (ask for first + 1). */
  page(parent: ReviewParent, parentId: string, position: ReviewPosition | null, limit: number): Promise<ReviewDocument[]> {
    return this.reviews
      .find({ [parent]: parentId, ...afterFilter(position) })
      .sort(NEWEST_FIRST)
      .limit(limit)
      .toArray();
  }

  /** How many reviews a parent has. */
  count(parent: ReviewParent, parentId: string): Promise<number> {
    return this.reviews.countDocuments({ [parent]: parentId });
  }

  /** Every review of all these parents in one query (the batched path; paged in code). */
  allOf(parent: ReviewParent, parentIds: readonly string[]): Promise<ReviewDocument[]> {
    if (parentIds.length === 0) return Promise.resolve([]);
    return this.reviews
      // One round trip: the driver's default first batch (101) would add getMore calls per page of results.
      .find({ [parent]: { $in: [...parentIds] } }, { batchSize: 10_000 })
      .sort(NEWEST_FIRST)
      .toArray();
  }

  /** Ratings of these products' reviews (to rebuild their summaries). */
  async ratingsOf(productIds: readonly string[]): Promise<{ productId: string; rating: number }[]> {
    if (productIds.length === 0) return [];
    return this.reviews.find({ productId: { $in: [...productIds] } }, { projection: { _id: 0, productId: 1, rating: 1 } }).toArray() as Promise<
      { productId: string; rating: number }[]
    >;
  }

  /** Marks this author's reviews of these products verified; returns how many changed. */
  async markVerified(authorId: string, productIds: readonly string[]): Promise<number> {
    let modified = 0;
    // One review per author and product, so each slice matches at most its length (see write-batches).
    for (const slice of slices(productIds)) {
      const result = await this.reviews.updateMany({ authorId, productId: { $in: slice }, verifiedPurchase: false }, { $set: { verifiedPurchase: true } });
      modified += result.modifiedCount;
    }
    return modified;
  }

  /** Marks one review verified (a fact arrived while it was being written). */
  async markOneVerified(id: string): Promise<void> {
    await this.reviews.updateOne({ _id: id }, { $set: { verifiedPurchase: true } });
  }
}
