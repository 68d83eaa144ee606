import 'reflect-metadata';
import { MongoClient, type AnyBulkWriteOperation, type Db } from 'mongodb';
import { createLogger } from '@shopgraph/kit';
import { demoReviews } from '@shopgraph/demo-data';
import { DocumentLocks } from '@shopgraph/events';
import { loadReviewsConfig } from './config';
import { collectionsOf, ensureIndexes } from './entities/collections';
import type { ReviewDocument } from './entities/review.document';
import { RatingSummaryStore } from './stores/rating-summary.store';
import { ReviewStore } from './stores/review.store';
import { slices } from './stores/write-batches';

/** What a seed run did. */
export interface ReviewsSeedResult {
  /** Demo reviews written (inserted or brought back to their demo content). */
  upserted: number;
  /** Demo reviews skipped because that author already reviewed that product under another id. */
  skipped: number;
  /** Products whose rating summaries were rebuilt. */
  products: number;
}

/**
 * Upserts the demo reviews by id (idempotent) and rebuilds the rating summaries of their products
 * from the reviews actually stored. Verified-purchase flags are left as they are.
 */
export async function seedReviews(db: Db): Promise<ReviewsSeedResult> {
  await ensureIndexes(db);
  const { reviews, ratingSummaries } = collectionsOf(db);
  const ops: AnyBulkWriteOperation<ReviewDocument>[] = demoReviews.map((r) => ({
    updateOne: {
      filter: { _id: r.id },
      update: {
        $set: { productId: r.productId, authorId: r.authorId, rating: r.rating, title: r.title, body: r.body, createdAt: r.createdAt },
        $setOnInsert: { verifiedPurchase: false },
      },
      upsert: true,
    },
  }));
  let skipped = 0;
  for (const slice of slices(ops)) {
    try {
      await reviews.bulkWrite(slice, { ordered: false });
    } catch (error) {
      // A user who already reviewed a demo product through the API keeps their own review.
      const writeErrors = (error as { writeErrors?: { code?: number }[] | { code?: number } }).writeErrors;
      const list = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : null;
      if (!list || list.some((e) => e.code !== 11000)) throw error;
      skipped += list.length;
    }
  }
  const productIds = [...new Set(demoReviews.map((r) => r.productId))];
  const store = new ReviewStore(reviews);
  await new RatingSummaryStore(ratingSummaries, new DocumentLocks()).rebuild(productIds, await store.ratingsOf(productIds));
  return { upserted: demoReviews.length - skipped, skipped, products: productIds.length };
}

async function main(): Promise<void> {
  const config = loadReviewsConfig();
  const log = createLogger('reviews-seed', config.LOG_LEVEL);
  const client = await MongoClient.connect(config.MONGO_URL, { serverSelectionTimeoutMS: 5000 });
  try {
    const result = await seedReviews(client.db(config.MONGO_DB));
    log.debug(result, 'reviews seeded');
    console.log(`reviews seed: ${result.upserted} demo reviews upserted, ${result.skipped} skipped, summaries rebuilt for ${result.products} products`);
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
