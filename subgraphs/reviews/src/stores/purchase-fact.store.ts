import type { Collection } from 'mongodb';
import type { PurchaseFactDocument } from '../entities/review.document';
import { bulkWriteInSlices } from './write-batches';

/** Key of the fact "customer bought product": idempotent by construction. */
export const factId = (customerId: string, productId: string) => `${customerId}:${productId}`;

/** Verified-purchase facts recorded from confirmed orders. */
export class PurchaseFactStore {
  constructor(private readonly facts: Collection<PurchaseFactDocument>) {}

  /** True when the customer has a CONFIRMED (or later) order containing the product. */
  async has(customerId: string, productId: string): Promise<boolean> {
    return (await this.facts.countDocuments({ _id: factId(customerId, productId) }, { limit: 1 })) > 0;
  }

  /** Records that the customer bought these products; a fact already known is left untouched. */
  async record(customerId: string, productIds: readonly string[], orderId: string): Promise<void> {
    if (productIds.length === 0) return;
    const recordedAt = new Date();
    await bulkWriteInSlices(
      this.facts,
      [...new Set(productIds)].map((productId) => ({
        updateOne: {
          filter: { _id: factId(customerId, productId) },
          update: { $setOnInsert: { customerId, productId, orderId, recordedAt } },
          upsert: true,
        },
      })),
    );
  }
}
