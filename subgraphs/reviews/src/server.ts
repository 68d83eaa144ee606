import 'reflect-metadata';
import { MongoClient, type Db } from 'mongodb';
import { Counter, type Registry } from 'prom-client';
import type { Admin, Producer } from 'kafkajs';
import { countMongoCommands, createLogger, createMetricsRegistry, createSubgraphServer, mongoClientOptions, namespaceOf, storeQueryCounter } from '@shopgraph/kit';
import { createKafka, createProducer, DocumentLocks, ensureTopics, MongoOutboxRelay, startConsumer, topicsIn, type RunningConsumer } from '@shopgraph/events';
import type { ReviewsConfig } from './config';
import { createLoaders, type ReviewsContext, type ReviewsServices } from './context';
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

/** A ready-to-start reviews subgraph. */
export interface ReviewsService {
  /** Starts the outbox relay, the orders.v1/products.v1 consumer and the HTTP server (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server, the consumer and the relay, then closes Kafka and MongoDB. */
  stop(): Promise<void>;
  /** The database the request path uses (its commands count in store_queries_total). */
  db: Db;
  metrics: Registry;
}

/**
 * Wires the reviews subgraph: two MongoDB clients (the request path's, counted in
 * `store_queries_total`, and the background one of the relay and consumer, so the count shows
 * what requests cost), indexes, Kafka topics and producer, the in-document outbox relay and the
 * consumer of orders.v1 (verified purchases) and products.v1 (archived products).
 */
export async function createReviewsService(config: ReviewsConfig): Promise<ReviewsService> {
  const log = createLogger('reviews', config.LOG_LEVEL);
  // Topics and the consumer group are named in the run's namespace (SG_NAMESPACE; empty = live); MONGO_DB must carry it.
  const ns = namespaceOf(config, { mongo: [config.MONGO_DB] });
  const Topics = topicsIn(ns);
  const metrics = createMetricsRegistry('reviews');
  const client = new MongoClient(config.MONGO_URL, mongoClientOptions(config, { monitorCommands: true }));
  countMongoCommands(client, storeQueryCounter(metrics));
  const backgroundClient = new MongoClient(config.MONGO_URL, mongoClientOptions(config));
  const kafka = createKafka(config.KAFKA_BROKERS, 'reviews', log);
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  try {
    await Promise.all([client.connect(), backgroundClient.connect()]);
    const db = client.db(config.MONGO_DB);
    const backgroundDb = backgroundClient.db(config.MONGO_DB);
    await ensureIndexes(backgroundDb);
    await ensureTopics(kafka, [Topics.reviews, Topics.orders, Topics.products]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();

    const api = collectionsOf(db);
    const background = collectionsOf(backgroundDb);
    const locks = new DocumentLocks();
    const relay = new MongoOutboxRelay({ collections: [backgroundDb.collection('rating_summaries')], producer, namespace: ns, log, pollIntervalMs: config.OUTBOX_POLL_MS, locks, metrics });
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
    const handle = reviewEventsHandler({
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

    const connectedAdmin = admin;
    const server = createSubgraphServer<ReviewsContext>({
      name: 'reviews',
      schema: await buildReviewsSchema(),
      multilineInputs: REVIEW_MULTILINE_INPUTS,
      config,
      log,
      metrics,
      readiness: { mongodb: () => backgroundDb.command({ ping: 1 }), kafka: () => connectedAdmin.describeCluster(), consumer: async () => consumer?.check() },
      health: { liveness: { consumer: async () => consumer?.live() } },
      context: (base) => ({ ...base, services, loaders: createLoaders(reviewStore, summaryStore) }),
    });

    let consumer: RunningConsumer | null = null;
    const runningProducer = producer;
    return {
      db,
      metrics,
      async start() {
        await relay.start();
        consumer = await startConsumer({
          kafka,
          groupId: ns.group(config.KAFKA_GROUP_ID),
          // Both are histories reviews needs (verified purchases, archived products): KAFKA_FROM_BEGINNING applies to both.
          topics: [Topics.orders, Topics.products],
          log,
          fromBeginning: config.KAFKA_FROM_BEGINNING,
          handle,
          metrics,
        });
        return server.start();
      },
      async stop() {
        await server.stop();
        await consumer?.stop();
        await relay.stop();
        await Promise.allSettled([runningProducer.disconnect(), connectedAdmin.disconnect()]);
        await Promise.allSettled([client.close(), backgroundClient.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
    await Promise.allSettled([client.close(), backgroundClient.close()]);
    throw error;
  }
}
