import type { Collection } from 'mongodb';
import type { KnownProductDocument } from '../entities/review.document';

/** A small replica of the products.v1 stream: which products exist and which are archived. */
export class KnownProductStore {
  constructor(private readonly products: Collection<KnownProductDocument>) {}

  /** Records the product's active flag as products last announced it. */
  async upsert(productId: string, active: boolean): Promise<void> {
    await this.products.updateOne({ _id: productId }, { $set: { active, updatedAt: new Date() } }, { upsert: true });
  }

  /** True only when products announced the product archived; unknown products are not refused. */
  async isArchived(productId: string): Promise<boolean> {
    return (await this.products.countDocuments({ _id: productId, active: false }, { limit: 1 })) > 0;
  }
}
