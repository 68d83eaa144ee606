import 'reflect-metadata';
import { MongoClient, type Db } from 'mongodb';
import { demoCategories, demoProducts } from '@shopgraph/demo-data';
import { createKafka, createProducer, MongoOutboxRelay } from '@shopgraph/events';
import { createLogger, namespaceOf } from '@shopgraph/kit';
import { loadProductsConfig } from './config';
import { ensureCategoryIndexes } from './entities/category.document';
import { ensureProductIndexes, PRODUCTS_COLLECTION } from './entities/product.document';
import { EVENT_SOURCE, productCreated } from './events/product.events';
import { initialStockOf, newProductDocument, skusOf } from './services/product.service';
import { normalizeCreateProduct } from './domain/product.validator';
import { CategoryStore } from './stores/category.store';
import { isDuplicateKeyError } from './stores/duplicate-key';
import { ProductStore } from './stores/product.store';
import { SkuStore } from './stores/sku.store';
import { migrateProductVariants } from './migrations/product-variants.migration';

/** What a seed run did: ids created now and ids (or skus) that were already there. */
export interface ProductSeedResult {
  categoriesCreated: string[];
  productsCreated: string[];
  productsExisting: string[];
}

/**
 * Loads the demo categories and products, keeping their fixed ids; safe to run again. A product
 * is only inserted when new, together with its ProductCreated event (initialStock) in its outbox,
 * so inventory gets its stock through Kafka; existing products are left as they are.
 */
export async function seedProducts(db: Db): Promise<ProductSeedResult> {
  await ensureProductIndexes(db);
  await ensureCategoryIndexes(db);
  await migrateProductVariants(db);
  const categories = new CategoryStore(db);
  const products = new ProductStore(db);
  const skus = new SkuStore(db);
  const result: ProductSeedResult = { categoriesCreated: [], productsCreated: [], productsExisting: [] };

  for (const c of demoCategories) {
    try {
      if (await categories.insertIfAbsent({ _id: c.id, slug: c.slug, name: c.name, createdAt: new Date(), slugsAnnounced: true })) result.categoriesCreated.push(c.id);
    } catch (error) {
      // Another category already uses this slug: the products below go into that one.
      if (!isDuplicateKeyError(error)) throw error;
    }
  }
  const categoryIdBySlug = new Map((await categories.findBySlugs(demoCategories.map((c) => c.slug))).map((c) => [c.slug, c._id]));

  for (const p of demoProducts) {
    const categoryId = categoryIdBySlug.get(p.categorySlug);
    if (!categoryId) throw new Error(`demo product ${p.sku} refers to unknown category ${p.categorySlug}`);
    const input = normalizeCreateProduct(p);
    if (input.variantErrors.length > 0) throw new Error(`demo product ${p.sku}: ${input.variantErrors.map((e) => e.message).join('; ')}`);
    const doc = newProductDocument(
      input,
      categoryId,
      p.slug,
      p.createdAt,
      p.id,
      p.variants?.map((v) => v.key),
    );
    try {
      const created = await products.insertIfAbsent(doc, [productCreated(doc, initialStockOf(input, doc), { source: EVENT_SOURCE }, [p.categorySlug])]);
      if (created) await skus.register(doc._id, skusOf(doc));
      (created ? result.productsCreated : result.productsExisting).push(p.id);
    } catch (error) {
      // Another product already holds this sku or slug: leave it as it is.
      if (!isDuplicateKeyError(error)) throw error;
      result.productsExisting.push(p.id);
    }
  }
  return result;
}

async function main(): Promise<void> {
  const config = loadProductsConfig();
  const log = createLogger('products-seed', config.LOG_LEVEL);
  // Seeds the namespace's database and publishes to its topics (SG_NAMESPACE; empty = the live shop).
  const ns = namespaceOf(config, { mongo: [config.MONGO_DB] });
  const mongo = await MongoClient.connect(config.MONGO_URL, { serverSelectionTimeoutMS: 5000 });
  try {
    const db = mongo.db(config.MONGO_DB);
    const { categoriesCreated, productsCreated, productsExisting } = await seedProducts(db);
    console.log(`products seed: created ${categoriesCreated.length} categories and ${productsCreated.length} products, ${productsExisting.length} products already present`);
    // Publish the new ProductCreated events now rather than waiting for the service's relay.
    try {
      const producer = await createProducer(createKafka(config.KAFKA_BROKERS, 'products-seed', log));
      try {
        const published = await new MongoOutboxRelay({ collections: [db.collection(PRODUCTS_COLLECTION)], producer, namespace: ns, log }).drainOnce(1000);
        console.log(`products seed: published ${published} events to ${ns.topic('products.v1')}`);
      } finally {
        await producer.disconnect();
      }
    } catch (error) {
      console.warn(`products seed: events stay in the outbox until the products service publishes them (${(error as Error).message})`);
    }
  } finally {
    await mongo.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
