import type { OutboxFields } from '@shopgraph/events';

/** A stored review; `_id` is the review's UUID. One per (productId, authorId), enforced by a unique index. */
export interface ReviewDocument {
  _id: string;
  productId: string;
  authorId: string;
  rating: number;
  title: string;
  body: string;
  verifiedPurchase: boolean;
  createdAt: Date;
}

/**
 * Per-product rating counts, `_id` = product id: r1..r5 are the histogram buckets, changed with
 * `$inc` on every add/delete (race-free without transactions). ReviewAdded/ReviewDeleted ride in
 * its in-document outbox, in the same single-document write as the count change.
 */
export interface RatingSummaryDocument extends OutboxFields {
  _id: string;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
  updatedAt: Date;
}

/** "customerId bought productId" from a CONFIRMED (or later) order; `_id` = `${customerId}:${productId}`. */
export interface PurchaseFactDocument {
  _id: string;
  customerId: string;
  productId: string;
  /** The first order that proved it. */
  orderId: string;
  recordedAt: Date;
}

/** What reviews knows about a product from products.v1: only whether it is still active. */
export interface KnownProductDocument {
  _id: string;
  active: boolean;
  updatedAt: Date;
}
