import DataLoader from 'dataloader';
import { connectionFrom, type RequestContext } from '@shopgraph/kit';
import type { ReviewDocument } from './entities/review.document';
import { summarize } from './domain/rating.math';
import { pageInMemory, positionOf, reviewCursor } from './domain/review.cursor';
import { isUuid } from './domain/review.validator';
import type { RatingSummaryStore } from './stores/rating-summary.store';
import type { ReviewParent, ReviewStore } from './stores/review.store';
import { RatingSummary, toReview, type Review, type ReviewConnection } from './types/review.type';

/** One page request on a product's or an author's reviews. */
export interface PageKey {
  parentId: string;
  /** Already validated page size. */
  first: number;
  after: string | null;
}

/** Per-request batching loaders: the N loads of one request become one MongoDB query per kind. */
export interface ReviewsLoaders {
  review: DataLoader<string, Review | null>;
  rating: DataLoader<string, RatingSummary>;
  productReviews: DataLoader<PageKey, ReviewConnection, string>;
  authorReviews: DataLoader<PageKey, ReviewConnection, string>;
}

/** What a service needs of one request: the kit's request context and this request's loaders. */
export type ReviewsRequest = RequestContext & { loaders: ReviewsLoaders };

function connection(rows: ReviewDocument[], key: PageKey, totalCount: number): ReviewConnection {
  const page = connectionFrom(rows, key.first, reviewCursor, toReview, key.after !== null);
  return { ...page, totalCount };
}

/**
 * Loads pages of reviews for many parents. One parent (a product page): a keyset query with a
 * limit plus a count. Several parents (`_entities` for a product list): ONE query for all their
 * reviews, grouped and paged in code — one round trip instead of N, at the price of reading every
 * review of those parents (fine for tens per product; see README for the trade-off).
 */
function pageLoader(store: ReviewStore, parent: ReviewParent): DataLoader<PageKey, ReviewConnection, string> {
  return new DataLoader<PageKey, ReviewConnection, string>(
    async (keys) => {
      // Decode every cursor first: a forged one fails only its own field, not the batch.
      const positions = keys.map((k) => {
        try {
          return positionOf(k.after);
        } catch (error) {
          return error as Error;
        }
      });
      const valid = keys.filter((k, i) => !(positions[i] instanceof Error) && isUuid(k.parentId));
      const empty = (k: PageKey) => connection([], k, 0);
      if (valid.length === 1) {
        const key = valid[0];
        const position = positions[keys.indexOf(key)] as ReturnType<typeof positionOf>;
        const [rows, total] = await Promise.all([store.page(parent, key.parentId, position, key.first + 1), store.count(parent, key.parentId)]);
        return keys.map((k, i) => (positions[i] instanceof Error ? (positions[i] as Error) : k === key ? connection(rows, k, total) : empty(k)));
      }
      const all = await store.allOf(parent, [...new Set(valid.map((k) => k.parentId))]);
      const byParent = new Map<string, ReviewDocument[]>();
      for (const r of all) byParent.set(r[parent], [...(byParent.get(r[parent]) ?? []), r]);
      return keys.map((k, i) => {
        const position = positions[i];
        if (position instanceof Error) return position;
        const rows = byParent.get(k.parentId) ?? [];
        return connection(pageInMemory(rows, position, k.first), k, rows.length);
      });
    },
    { cacheKeyFn: (k) => `${k.parentId}|${k.first}|${k.after ?? ''}` },
  );
}

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(reviews: ReviewStore, summaries: RatingSummaryStore): ReviewsLoaders {
  return {
    review: new DataLoader(async (ids) => {
      const byId = new Map((await reviews.findByIds(ids.filter(isUuid))).map((r) => [r._id, toReview(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    rating: new DataLoader(async (productIds) => {
      const byId = new Map((await summaries.findByProductIds(productIds.filter(isUuid))).map((s) => [s._id, s]));
      return productIds.map((id) => Object.assign(new RatingSummary(), summarize(byId.get(id))));
    }),
    productReviews: pageLoader(reviews, 'productId'),
    authorReviews: pageLoader(reviews, 'authorId'),
  };
}
