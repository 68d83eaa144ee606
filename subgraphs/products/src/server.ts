import 'reflect-metadata';
import type { Db } from 'mongodb';
import { cacheDeadlines, OptionalCache } from '@shopgraph/kit';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { productsConfigSchema, type ProductsConfig } from './config';
import { createLoaders, type ProductsServices } from './context';
import { ensureCategoryIndexes } from './entities/category.document';
import { ensureProductIndexes, PRODUCTS_COLLECTION } from './entities/product.document';
import { buildProductsSchema, PRODUCT_MULTILINE_INPUTS } from './schema';
import { CatalogService } from './services/catalog.service';
import { CategoryService } from './services/category.service';
import { CategoryRepublisher } from './services/category-republisher';
import { ProductService } from './services/product.service';
import { CategoryStore } from './stores/category.store';
import { ProductCache, productCacheCounter } from './stores/product.cache';
import { CatalogCache, catalogCacheCounter, cachedCatalogReads } from './stores/catalog.cache';
import { ProductStore } from './stores/product.store';
import { SkuStore } from './stores/sku.store';
import { VariantService } from './services/variant.service';
import { migrateProductVariants } from './migrations/product-variants.migration';
import { announceCategorySlugs } from './migrations/category-slugs.migration';

export { loadProductsConfig, productsConfigSchema, type ProductsConfig } from './config';
export { seedProducts, type ProductSeedResult } from './seed';

/** Indexes and the in-place variants migration, before anything reads the catalog. */
async function prepareCatalog(db: Db): Promise<void> {
  await ensureProductIndexes(db);
  await migrateProductVariants(db);
  await ensureCategoryIndexes(db);
  // Once: products announced before events carried category slugs are announced again with them.
  await announceCategorySlugs(db);
}

/**
 * The products subgraph: the catalog in MongoDB (the request path's client counted in
 * store_queries_total, which the gateway's N+1 tests read; the relay polls on a small background
 * client), a Redis read cache it starts and serves without, and product events out through the
 * in-document outbox of each product.
 */
export const productsSubgraph = defineSubgraph({
  name: 'products',
  config: productsConfigSchema,
  schema: buildProductsSchema,
  multilineInputs: PRODUCT_MULTILINE_INPUTS,
  // Redis is only a cache (OptionalCache): no readiness check, and a hung cache must not take products out.
  stores: { mongo: { prepare: prepareCatalog, backgroundPoolSize: 2 }, redis: { role: 'cache' } },
  topics: ['products'],
  outbox: { store: 'mongo', collections: [PRODUCTS_COLLECTION], pollIntervalMs: 'OUTBOX_POLL_INTERVAL_MS' },
  wire: ({ db, redis, relay, locks, namespace, config, log, metrics }) => {
    const optional = new OptionalCache({ name: 'products', ...cacheDeadlines(config), log, metrics });
    const listings = new CatalogCache(redis, namespace.key(config.MONGO_DB), config.CATALOG_CACHE_TTL_SECONDS, catalogCacheCounter(metrics), log, optional);
    const products = new ProductStore(db, () => listings.changed());
    const categories = new CategoryStore(db);
    const cache = new ProductCache(redis, namespace.key(config.MONGO_DB), config.PRODUCT_CACHE_TTL_SECONDS, productCacheCounter(metrics), log, optional);
    const catalog = new CatalogService(cachedCatalogReads(products, listings), categories);
    const productService = new ProductService(products, categories, cache, relay, locks, new SkuStore(db));
    const republisher = new CategoryRepublisher(categories, productService, log);
    const services: ProductsServices = {
      catalog,
      products: productService,
      variants: new VariantService(products, cache, relay, locks, new SkuStore(db), categories),
      categories: new CategoryService(categories, republisher),
    };
    return { services, loaderSources: { products, categories, cache, catalog }, republisher };
  },
  // Finishes category slug changes whose products' republish was interrupted (CategoryRepublisher).
  tasks: ({ republisher }) => [{ name: 'category-republish', intervalMs: 60_000, runAtStart: true, run: () => republisher.drain() }],
  context: (base, { services, loaderSources }) => ({ ...base, services, loaders: createLoaders(loaderSources) }),
});

/** A ready-to-start products subgraph (`mongo`: the counted client, created with monitorCommands; `db`, `redis`, `metrics`, `start()`, `stop()`, …). */
export type ProductsService = ServiceOf<typeof productsSubgraph>;

/** Opens the products subgraph (MongoDB prepared, Redis connecting, Kafka connected); `start()` starts the relay and the server. */
export function createProductsService(config: ProductsConfig): Promise<ProductsService> {
  return productsSubgraph.create(config);
}
