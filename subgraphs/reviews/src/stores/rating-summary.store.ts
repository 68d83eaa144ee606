import type { AnyBulkWriteOperation, Collection } from 'mongodb';
import { outboxOnUpdate, type DocumentLocks, type EventEnvelope } from '@shopgraph/events';
import type { RatingSummaryDocument } from '../entities/review.document';
import { bucketOf, bucketsOf } from '../domain/rating.math';
import { bulkWriteInSlices } from './write-batches';

/**
 * Per-product rating histograms. Each add/delete is one `$inc` of a bucket on the product's
 * summary document, carrying the review event in the same write (in-document outbox). The
 * `$inc` runs under the product's lock: FerretDB applies updates as unisolated
 * read-modify-write, so concurrent increments of one document would otherwise be lost.
 */
export class RatingSummaryStore {
  constructor(
    private readonly summaries: Collection<RatingSummaryDocument>,
    private readonly locks: DocumentLocks,
  ) {}

  /** The summaries of these products in one `$in` query (products without reviews have none). */
  findByProductIds(productIds: readonly string[]): Promise<RatingSummaryDocument[]> {
    if (productIds.length === 0) return Promise.resolve([]);
    return this.summaries.find({ _id: { $in: [...productIds] } }, { projection: { _outbox: 0, _outboxPending: 0, _outboxVersion: 0 } }).toArray();
  }

  /** Counts one more `rating` for the product (creating its summary) and enqueues `event`. */
  async added(productId: string, rating: number, event: EventEnvelope): Promise<void> {
    const outbox = outboxOnUpdate([event]);
    await this.locks.run(productId, () =>
      this.summaries.updateOne(
        { _id: productId },
        { $push: outbox.$push, $inc: { ...outbox.$inc, [bucketOf(rating)]: 1 }, $set: { ...outbox.$set, updatedAt: new Date() } },
        { upsert: true },
      ),
    );
  }

  /** Counts one `rating` fewer for the product and enqueues `event`. */
  async removed(productId: string, rating: number, event: EventEnvelope): Promise<void> {
    const outbox = outboxOnUpdate([event]);
    await this.locks.run(productId, () =>
      this.summaries.updateOne(
        { _id: productId },
        { $push: outbox.$push, $inc: { ...outbox.$inc, [bucketOf(rating)]: -1 }, $set: { ...outbox.$set, updatedAt: new Date() } },
      ),
    );
  }

  /** Overwrites the buckets of these products from their actual ratings (seed and repair), in one bulk write. */
  async rebuild(productIds: readonly string[], ratings: { productId: string; rating: number }[]): Promise<void> {
    if (productIds.length === 0) return;
    const byProduct = new Map<string, number[]>(productIds.map((id) => [id, []]));
    for (const r of ratings) byProduct.get(r.productId)?.push(r.rating);
    const now = new Date();
    const ops: AnyBulkWriteOperation<RatingSummaryDocument>[] = [...byProduct].map(([productId, list]) => ({
      updateOne: { filter: { _id: productId }, update: { $set: { ...bucketsOf(list), updatedAt: now } }, upsert: true },
    }));
    await bulkWriteInSlices(this.summaries, ops);
  }
}
