import { z } from 'zod';
import type { Filter } from 'mongodb';
import { decodeCursor, encodeCursor } from '@shopgraph/kit';
import type { ReviewDocument } from '../entities/review.document';

/** Position of a review in a newest-first list: (createdAt desc, id desc). */
export interface ReviewPosition {
  createdAt: Date;
  id: string;
}

const cursorShape = z.object({ c: z.iso.datetime(), id: z.string().min(1).max(64) });

/** The opaque cursor of a review. */
export function reviewCursor(review: { _id: string; createdAt: Date }): string {
  return encodeCursor({ c: review.createdAt.toISOString(), id: review._id });
}

/** Decodes an `after` argument; null when absent, BAD_USER_INPUT when forged. */
export function positionOf(after: string | null | undefined): ReviewPosition | null {
  if (after === null || after === undefined) return null;
  const { c, id } = decodeCursor(after, cursorShape);
  return { createdAt: new Date(c), id };
}

/** The sort every review list uses: newest first, id as the tie-breaker. */
export const NEWEST_FIRST = { createdAt: -1, _id: -1 } as const;

/** Mongo filter for the reviews strictly after `position` in newest-first order. */
export function afterFilter(position: ReviewPosition | null): Filter<ReviewDocument> {
  if (!position) return {};
  return { $or: [{ createdAt: { $lt: position.createdAt } }, { createdAt: position.createdAt, _id: { $lt: position.id } }] };
}

/** True when `review` comes strictly after `position` in newest-first order. */
export function isAfter(review: { _id: string; createdAt: Date }, position: ReviewPosition | null): boolean {
  if (!position) return true;
  const t = review.createdAt.getTime();
  const p = position.createdAt.getTime();
  return t < p || (t === p && review._id < position.id);
}

/** Newest-first comparator, the same order as NEWEST_FIRST. */
export function newestFirst(a: { _id: string; createdAt: Date }, b: { _id: string; createdAt: Date }): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? 1 : a._id > b._id ? -1 : 0);
}

/**
 * One page cut in code from all of a parent's reviews (the batched path): sorts newest first,
 * skips up to the cursor and keeps `limit + 1` rows (the extra one tells hasNextPage).
 */
export function pageInMemory<T extends { _id: string; createdAt: Date }>(rows: T[], position: ReviewPosition | null, limit: number): T[] {
  return [...rows].sort(newestFirst).filter((r) => isAfter(r, position)).slice(0, limit + 1);
}
