import 'reflect-metadata';
import { Counter } from 'prom-client';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { reviewsConfigSchema, type ReviewsConfig } from './config';
import { createLoaders, type ReviewsServices } from './context';
import { collectionsOf, ensureIndexes } from './entities/collections';
import { reviewEventsHandler } from './events/review-events.handler';
import { buildReviewsSchema, REVIEW_MULTILINE_INPUTS } from './schema';
import { ReviewService } from './services/review.service';
import { KnownProductStore } from './stores/known-product.store';
import { PurchaseFactStore } from './stores/purchase-fact.store';
import { RatingSummaryStore } from './stores/rating-summary.store';
import { ReviewStore } from './stores/review.store';

export { loadReviewsConfig, reviewsConfigSchema, type ReviewsConfig } from './config';
export { seedReviews, type ReviewsSeedResult } from './seed';

/**
 * The reviews subgraph: reviews and rating summaries in MongoDB (the request path's client counted
 * in `store_queries_total`; the relay, the consumer and the indexes on the background one, so the
 * count shows what requests cost), rating events out through the in-document outbox of
 * rating_summaries, and orders.v1 (verified purchases) and products.v1 (archived products) in.
 */
export const reviewsSubgraph = defineSubgraph({
  name: 'reviews',
  config: reviewsConfigSchema,
  schema: buildReviewsSchema,
  multilineInputs: REVIEW_MULTILINE_INPUTS,
  stores: { mongo: { prepare: ensureIndexes } },
  topics: ['reviews', 'orders', 'products'],
  outbox: { store: 'mongo', collections: ['rating_summaries'], pollIntervalMs: 'OUTBOX_POLL_MS' },
  wire: ({ db, backgroundDb, locks, relay, log, metrics }) => {
    const api = collectionsOf(db);
    const background = collectionsOf(backgroundDb);
    const reviewStore = new ReviewStore(api.reviews);
    const summaryStore = new RatingSummaryStore(api.ratingSummaries, locks);
    const services: ReviewsServices = {
      reviews: new ReviewService({
        reviews: reviewStore,
        summaries: summaryStore,
        facts: new PurchaseFactStore(api.purchaseFacts),
        products: new KnownProductStore(api.knownProducts),
        published: () => relay.wake(),
      }),
    };
    const handleEvent = reviewEventsHandler({
      db: backgroundDb,
      reviews: new ReviewStore(background.reviews),
      facts: new PurchaseFactStore(background.purchaseFacts),
      products: new KnownProductStore(background.knownProducts),
      log,
      handled: new Counter({
        name: 'reviews_events_total',
        help: 'Events consumed by reviews, by type and outcome (applied, duplicate, ignored)',
        labelNames: ['type', 'outcome'],
        registers: [metrics],
      }),
    });
    return { services, reviewStore, summaryStore, handleEvent };
  },
  // Both are histories reviews needs: KAFKA_FROM_BEGINNING applies to both (one consumer group).
  consumers: ({ handleEvent }) => ({
    purchases: { topics: ['orders'], fromBeginning: true, handlers: { OrderStatusChanged: handleEvent } },
    products: { topics: ['products'], fromBeginning: true, handlers: { ProductCreated: handleEvent, ProductUpdated: handleEvent, ProductArchived: handleEvent } },
  }),
  context: (base, { services, reviewStore, summaryStore }) => ({ ...base, services, loaders: createLoaders(reviewStore, summaryStore) }),
});

/** A ready-to-start reviews subgraph (`db`: the request path's database, `metrics`, `start()`, `stop()`, …). */
export type ReviewsService = ServiceOf<typeof reviewsSubgraph>;

/** Opens the reviews subgraph (MongoDB with indexes, Kafka); `start()` starts the relay, the consumer and the server. */
export function createReviewsService(config: ReviewsConfig): Promise<ReviewsService> {
  return reviewsSubgraph.create(config);
}
