import type { Db } from 'mongodb';
import type { Counter } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import { processOnceMongo, type EventEnvelope } from '@shopgraph/events';
import type { KnownProductStore } from '../stores/known-product.store';
import type { PurchaseFactStore } from '../stores/purchase-fact.store';
import type { ReviewStore } from '../stores/review.store';

/** Order statuses that prove a purchase: payment captured, or later. */
export const PURCHASE_STATUSES: ReadonlySet<string> = new Set(['CONFIRMED', 'SHIPPED', 'DELIVERED']);

/** Name under which processed events are recorded (processed_events). */
export const CONSUMER_NAME = 'reviews';

export interface ReviewEventsDeps {
  db: Db;
  reviews: ReviewStore;
  facts: PurchaseFactStore;
  products: KnownProductStore;
  log: Logger;
  /** reviews_events_total{type, outcome}: applied | duplicate | ignored. */
  handled: Counter<'type' | 'outcome'>;
}

/**
 * Handles what reviews consumes: OrderStatusChanged (orders.v1) records verified-purchase facts
 * and verifies existing reviews; ProductCreated/Updated/Archived (products.v1) keep the replica
 * of archived products. Every effect is an idempotent upsert, and processOnceMongo skips
 * redeliveries.
 */
export function reviewEventsHandler(deps: ReviewEventsDeps): (event: EventEnvelope) => Promise<void> {
  const effectOf = (event: EventEnvelope): (() => Promise<void>) | null => {
    switch (event.type) {
      case 'OrderStatusChanged': {
        const { customerId, orderId, status, items } = (event as EventEnvelope<'OrderStatusChanged'>).payload;
        if (!PURCHASE_STATUSES.has(status) || items.length === 0) return null;
        const productIds = [...new Set(items.map((i) => i.productId))];
        return async () => {
          // The fact first, then the reviews: addReview re-checks the fact after inserting, so a
          // review written concurrently is verified by one side or the other.
          await deps.facts.record(customerId, productIds, orderId);
          const verified = await deps.reviews.markVerified(customerId, productIds);
          deps.log.debug({ orderId, customerId, products: productIds.length, verified }, 'purchase facts recorded');
        };
      }
      case 'ProductCreated':
      case 'ProductUpdated': {
        const { productId, active } = (event as EventEnvelope<'ProductCreated'>).payload;
        return () => deps.products.upsert(productId, active);
      }
      case 'ProductArchived': {
        const { productId } = (event as EventEnvelope<'ProductArchived'>).payload;
        return () => deps.products.upsert(productId, false);
      }
      default:
        return null;
    }
  };

  return async (event) => {
    const effect = effectOf(event);
    if (!effect) {
      deps.handled.inc({ type: event.type, outcome: 'ignored' });
      return;
    }
    const applied = await processOnceMongo(deps.db, CONSUMER_NAME, event, effect);
    deps.handled.inc({ type: event.type, outcome: applied ? 'applied' : 'duplicate' });
  };
}
