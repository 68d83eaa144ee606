import { z } from 'zod';
import type { Filter } from 'mongodb';
import { badUserInput, decodeCursor, encodeCursor } from '@shopgraph/kit';
import type { ProductDocument, ProductRecord } from '../entities/product.document';
import { ProductSort } from '../types/product-sort.enum';

/** The stored field a sort orders by (before the `_id` tiebreaker, always ascending). */
export interface SortKey {
  field: 'createdAt' | 'price' | 'nameKey';
  direction: 1 | -1;
}

const SORT_KEYS: Record<ProductSort, SortKey> = {
  // Without a search RELEVANCE is NEWEST; with one it is ordered in code (see relevance below).
  [ProductSort.RELEVANCE]: { field: 'createdAt', direction: -1 },
  [ProductSort.NEWEST]: { field: 'createdAt', direction: -1 },
  [ProductSort.PRICE_ASC]: { field: 'price', direction: 1 },
  [ProductSort.PRICE_DESC]: { field: 'price', direction: -1 },
  [ProductSort.NAME]: { field: 'nameKey', direction: 1 },
};

export function sortKeyOf(sort: ProductSort): SortKey {
  return SORT_KEYS[sort];
}

/** The Mongo sort document of a sort: its key, then `_id` ascending. */
export function mongoSort(sort: ProductSort): Record<string, 1 | -1> {
  const { field, direction } = sortKeyOf(sort);
  return { [field]: direction, _id: 1 };
}

/**
 * A keyset position: the sort it belongs to, the sort key value of the last product seen
 * (createdAt as epoch ms, price, or nameKey), the relevance score when searching, and its id.
 */
export interface ProductCursor {
  s: ProductSort;
  k: number | string;
  r?: number;
  id: string;
}

const cursorShape = z.object({
  s: z.enum(ProductSort),
  k: z.union([z.number().int(), z.string().max(400)]),
  r: z.number().int().nonnegative().optional(),
  id: z.string().min(1).max(100),
});

/** The sort key value of a product under `sort`, as a cursor carries it. */
function keyValue(sort: ProductSort, product: Pick<ProductRecord, 'createdAt' | 'price' | 'nameKey'>): number | string {
  const { field } = sortKeyOf(sort);
  return field === 'createdAt' ? product.createdAt.getTime() : product[field];
}

/** Opaque cursor of `product` in a list ordered by `sort` (with its relevance `score` when searching). */
export function encodeProductCursor(sort: ProductSort, product: Pick<ProductRecord, '_id' | 'createdAt' | 'price' | 'nameKey'>, score?: number): string {
  const cursor: ProductCursor = { s: sort, k: keyValue(sort, product), id: product._id };
  if (score !== undefined) cursor.r = score;
  return encodeCursor(cursor);
}

/**
 * Decodes `after` for a list ordered by `sort`. A forged cursor, or one made for another sort
 * (or for RELEVANCE with/without a search when this list is the other way), is BAD_USER_INPUT.
 */
export function decodeProductCursor(after: string, sort: ProductSort, searching: boolean): ProductCursor {
  const cursor = decodeCursor(after, cursorShape);
  if (cursor.s !== sort) throw badUserInput(`after is a cursor of a ${cursor.s} list, not ${sort}`, ['after']);
  const wantsString = sortKeyOf(sort).field === 'nameKey';
  const ranked = sort === ProductSort.RELEVANCE && searching;
  if (typeof cursor.k !== (wantsString ? 'string' : 'number') || (cursor.r !== undefined) !== ranked) {
    throw badUserInput('after is not a valid cursor for this list', ['after']);
  }
  return cursor;
}

/** Mongo condition selecting the products strictly after `cursor` in `sort` order (keyset, no offset). */
export function afterCondition(sort: ProductSort, cursor: ProductCursor): Filter<ProductDocument> {
  const { field, direction } = sortKeyOf(sort);
  const value = field === 'createdAt' ? new Date(cursor.k as number) : cursor.k;
  return {
    $or: [{ [field]: { [direction === 1 ? '$gt' : '$lt']: value } }, { [field]: value, _id: { $gt: cursor.id } }],
  } as Filter<ProductDocument>;
}

/** A search candidate with its relevance score. */
export interface Ranked {
  _id: string;
  createdAt: Date;
  score: number;
}

/** RELEVANCE order with a search: score desc, then newest, then id ascending. */
export function compareRanked(a: Ranked, b: Ranked): number {
  return b.score - a.score || b.createdAt.getTime() - a.createdAt.getTime() || (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);
}

/** True when `item` comes strictly after the cursor position in RELEVANCE-with-search order. */
export function isAfterRanked(item: Ranked, cursor: ProductCursor): boolean {
  return compareRanked(item, { _id: cursor.id, createdAt: new Date(cursor.k as number), score: cursor.r ?? 0 }) > 0;
}
