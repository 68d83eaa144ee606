import 'reflect-metadata';
import { Redis } from 'ioredis';
import { MongoClient, type Db } from 'mongodb';
import type { Admin, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import {
  cacheDeadlines,
  countMongoCommands,
  createLogger,
  createMetricsRegistry,
  createRedis,
  createSubgraphServer,
  mongoClientOptions,
  OptionalCache,
  redisDeadlines,
  storeQueryCounter,
  namespaceOf,
} from '@shopgraph/kit';
import { createKafka, createProducer, DocumentLocks, ensureTopics, MongoOutboxRelay, topicsIn } from '@shopgraph/events';
import type { ProductsConfig } from './config';
import { createLoaders, type ProductsContext, type ProductsServices } from './context';
import { ensureCategoryIndexes } from './entities/category.document';
import { ensureProductIndexes, PRODUCTS_COLLECTION } from './entities/product.document';
import { buildProductsSchema, PRODUCT_MULTILINE_INPUTS } from './schema';
import { CatalogService } from './services/catalog.service';
import { CategoryService } from './services/category.service';
import { ProductService } from './services/product.service';
import { CategoryStore } from './stores/category.store';
import { ProductCache, productCacheCounter } from './stores/product.cache';
import { ProductStore } from './stores/product.store';
import { SkuStore } from './stores/sku.store';
import { VariantService } from './services/variant.service';
import { migrateProductVariants } from './migrations/product-variants.migration';

export { loadProductsConfig, productsConfigSchema, type ProductsConfig } from './config';
export { seedProducts, type ProductSeedResult } from './seed';

/** A ready-to-start products subgraph. */
export interface ProductsService {
  /** Starts the outbox relay, then listens (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server and the relay, then closes Kafka, MongoDB and Redis. */
  stop(): Promise<void>;
  /** The connected client (created with monitorCommands, so tests can watch commands). */
  mongo: MongoClient;
  db: Db;
  redis: Redis;
  /** The registry behind /metrics (store_queries_total, product_cache_requests_total, …). */
  metrics: Registry;
}

/**
 * Wires the products subgraph: connects MongoDB (creating indexes), Redis and Kafka (creating
 * products.v1), and builds the server with GraphQL, health and metrics. Product events go from
 * each product document's outbox to Kafka through the relay started by `start()`.
 */
export async function createProductsService(config: ProductsConfig): Promise<ProductsService> {
  const log = createLogger('products', config.LOG_LEVEL);
  // Topics and cache keys are named in the run's namespace (SG_NAMESPACE; empty = live); MONGO_DB must carry it.
  const ns = namespaceOf(config, { mongo: [config.MONGO_DB] });
  const Topics = topicsIn(ns);
  const metrics = createMetricsRegistry('products');
  const mongo = new MongoClient(config.MONGO_URL, mongoClientOptions(config, { monitorCommands: true }));
  countMongoCommands(mongo, storeQueryCounter(metrics));
  // The relay polls in the background; on its own client it stays out of store_queries_total,
  // which then counts only what requests cause (the gateway's N+1 tests read it).
  const relayMongo = new MongoClient(config.MONGO_URL, mongoClientOptions(config, { maxPoolSize: 2 }));
  const redis = createRedis(config.REDIS_URL, { ...redisDeadlines(config), log });
  const kafka = createKafka(config.KAFKA_BROKERS, 'products', log);
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  try {
    await mongo.connect();
    await relayMongo.connect();
    // Redis is only a cache: products starts, and serves from MongoDB, without it (it keeps reconnecting).
    redis.connect().catch((error: unknown) => log.warn({ err: error }, 'product cache unavailable at startup; reading MongoDB'));
    const db = mongo.db(config.MONGO_DB);
    await ensureProductIndexes(db);
    await migrateProductVariants(db);
    await ensureCategoryIndexes(db);
    await ensureTopics(kafka, [Topics.products]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();

    const products = new ProductStore(db);
    const categories = new CategoryStore(db);
    const optional = new OptionalCache({ name: 'products', ...cacheDeadlines(config), log, metrics });
    const cache = new ProductCache(redis, ns.key(config.MONGO_DB), config.PRODUCT_CACHE_TTL_SECONDS, productCacheCounter(metrics), log, optional);
    const locks = new DocumentLocks();
    const relay = new MongoOutboxRelay({
      collections: [relayMongo.db(config.MONGO_DB).collection(PRODUCTS_COLLECTION)],
      locks,
      producer,
      namespace: ns,
      log,
      pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
      metrics,
    });
    const catalog = new CatalogService(products, categories);
    const services: ProductsServices = {
      catalog,
      products: new ProductService(products, categories, cache, relay, locks, new SkuStore(db)),
      variants: new VariantService(products, cache, relay, locks, new SkuStore(db)),
      categories: new CategoryService(categories),
    };
    const kafkaAdmin = admin;

    const server = createSubgraphServer<ProductsContext>({
      name: 'products',
      schema: await buildProductsSchema(),
      multilineInputs: PRODUCT_MULTILINE_INPUTS,
      config,
      log,
      metrics,
      readiness: {
        // No Redis check: it is only a cache (OptionalCache), and a hung cache must not take products out.
        mongodb: () => db.command({ ping: 1 }),
        kafka: () => kafkaAdmin.describeCluster(),
      },
      context: (base) => ({ ...base, services, loaders: createLoaders({ products, categories, cache, catalog }) }),
    });

    const connectedProducer = producer;
    let relayStarted = false;
    return {
      mongo,
      db,
      redis,
      metrics,
      async start() {
        await relay.start();
        relayStarted = true;
        return server.start();
      },
      async stop() {
        await server.stop();
        if (relayStarted) await relay.stop();
        await Promise.allSettled([connectedProducer.disconnect(), kafkaAdmin.disconnect()]);
        await Promise.allSettled([mongo.close(), relayMongo.close(), redis.quit()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
    redis.disconnect();
    await Promise.allSettled([mongo.close(), relayMongo.close()]);
    throw error;
  }
}
