import { randomUUID } from 'node:crypto';
import { forbidden, pageSize, requireViewer, UserError, UserErrorCode } from '@shopgraph/kit';
import { createEvent } from '@shopgraph/events';
import type { ReviewsRequest } from '../loaders';
import type { ReviewDocument } from '../entities/review.document';
import type { KnownProductStore } from '../stores/known-product.store';
import type { PurchaseFactStore } from '../stores/purchase-fact.store';
import type { RatingSummaryStore } from '../stores/rating-summary.store';
import { AlreadyReviewedError, type ReviewStore } from '../stores/review.store';
import { ReviewPayload } from '../types/payloads.type';
import { toReview, type RatingSummary, type Review, type ReviewConnection } from '../types/review.type';
import { isUuid, validateReview, type AddReviewFields } from '../domain/review.validator';

/** The stores ReviewService writes to, and a hook to publish what it enqueued. */
export interface ReviewServiceDeps {
  reviews: ReviewStore;
  summaries: RatingSummaryStore;
  facts: PurchaseFactStore;
  products: KnownProductStore;
  /** Wakes the outbox relay after a write that enqueued events. */
  published: () => void;
}

/**
 * Adding, deleting and reading reviews. Without multi-document transactions each change is a
 * sequence of single-document writes ordered so that every interleaving stays correct: the
 * review insert (guarded by the unique index), then the summary `$inc` carrying the event.
 */
export class ReviewService {
  constructor(private readonly deps: ReviewServiceDeps) {}

  /** A review by id; null when there is none (malformed ids included). */
  review(ctx: ReviewsRequest, id: string): Promise<Review | null> {
    return ctx.loaders.review.load(id);
  }

  /** Adds the signed-in user's review of a product: one per user and product. */
  async addReview(ctx: ReviewsRequest, input: AddReviewFields): Promise<ReviewPayload> {
    const viewer = requireViewer(ctx);
    const { review: valid, errors } = validateReview(input);
    if (!valid) return ReviewPayload.of(null, errors);
    const { reviews, summaries, facts, products } = this.deps;
    // Only products that exist: ones products announced on products.v1 (the replica), or ones the
    // viewer bought (a purchase fact implies the product, even before the replica has heard of it).
    const [status, purchased] = await Promise.all([products.status(valid.productId), facts.has(viewer.id, valid.productId)]);
    if (status === 'ARCHIVED') {
      return ReviewPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'This product is no longer available', ['input', 'productId'])]);
    }
    if (status === 'UNKNOWN' && !purchased) {
      return ReviewPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such product', ['input', 'productId'])]);
    }
    const doc: ReviewDocument = {
      _id: randomUUID(),
      productId: valid.productId,
      authorId: viewer.id,
      rating: valid.rating,
      title: valid.title,
      body: valid.body,
      verifiedPurchase: purchased,
      createdAt: new Date(),
    };
    try {
      await reviews.insert(doc);
    } catch (error) {
      if (!(error instanceof AlreadyReviewedError)) throw error;
      return ReviewPayload.of(null, [UserError.of(UserErrorCode.ALREADY_REVIEWED, 'You have already reviewed this product', ['input', 'productId'])]);
    }
    // A purchase fact recorded between the check above and the insert found no review to mark:
    // look again now that the review exists (the consumer writes the fact before marking reviews).
    if (!doc.verifiedPurchase && (await facts.has(viewer.id, doc.productId))) {
      await reviews.markOneVerified(doc._id);
      doc.verifiedPurchase = true;
    }
    const event = createEvent(
      'ReviewAdded',
      doc._id,
      { reviewId: doc._id, productId: doc.productId, authorId: doc.authorId, rating: doc.rating },
      { source: 'reviews', correlationId: ctx.requestId },
    );
    await summaries.added(doc.productId, doc.rating, event);
    this.deps.published();
    ctx.loaders.rating.clear(doc.productId);
    ctx.log.info({ reviewId: doc._id, productId: doc.productId }, 'review added');
    return ReviewPayload.of(toReview(doc));
  }

  /** Deletes a review: its author or an ADMIN; NOT_FOUND (as data) when there is no such review. */
  async deleteReview(ctx: ReviewsRequest, id: string): Promise<ReviewPayload> {
    const viewer = requireViewer(ctx);
    const notFound = () => ReviewPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No such review', ['id'])]);
    if (!isUuid(id)) return notFound();
    const [doc] = await this.deps.reviews.findByIds([id]);
    if (!doc) return notFound();
    if (doc.authorId !== viewer.id && viewer.role !== 'ADMIN') throw forbidden('Only the author or an ADMIN may delete a review');
    // Only the delete that actually removed the document adjusts the summary, so concurrent deletes count once.
    if (!(await this.deps.reviews.delete(id))) return notFound();
    const event = createEvent('ReviewDeleted', doc._id, { reviewId: doc._id, productId: doc.productId }, { source: 'reviews', correlationId: ctx.requestId });
    await this.deps.summaries.removed(doc.productId, doc.rating, event);
    this.deps.published();
    ctx.loaders.review.clear(id);
    ctx.loaders.rating.clear(doc.productId);
    ctx.log.info({ reviewId: id, productId: doc.productId, by: viewer.id }, 'review deleted');
    return ReviewPayload.of(toReview(doc));
  }

  /** A product's rating summary (batched). */
  rating(ctx: ReviewsRequest, productId: string): Promise<RatingSummary> {
    return ctx.loaders.rating.load(productId);
  }

  /** A product's reviews, newest first (batched). */
  productReviews(ctx: ReviewsRequest, productId: string, first: number | null | undefined, after: string | null | undefined): Promise<ReviewConnection> {
    return ctx.loaders.productReviews.load({ parentId: productId, first: pageSize(first), after: after ?? null });
  }

  /** The reviews a user wrote, newest first (batched); public, like the reviews on product pages. */
  authorReviews(ctx: ReviewsRequest, userId: string, first: number | null | undefined, after: string | null | undefined): Promise<ReviewConnection> {
    return ctx.loaders.authorReviews.load({ parentId: userId, first: pageSize(first), after: after ?? null });
  }
}
