import type { Collection } from 'mongodb';
import type { KnownProductDocument } from '../entities/review.document';

/** A small replica of the products.v1 stream: which products exist and which are archived. */
export class KnownProductStore {
  constructor(private readonly products: Collection<KnownProductDocument>) {}

  /** Records the product's active flag as products last announced it. */
  async upsert(productId: string, active: boolean): Promise<void> {
    await this.products.updateOne({ _id: productId }, { $set: { active, updatedAt: new Date() } }, { upsert: true });
  }

  /** What products last announced about the product: ACTIVE, ARCHIVED, or UNKNOWN when it never did. */
  async status(productId: string): Promise<'ACTIVE' | 'ARCHIVED' | 'UNKNOWN'> {
    const doc = await this.products.findOne({ _id: productId }, { projection: { active: 1 } });
    return !doc ? 'UNKNOWN' : doc.active ? 'ACTIVE' : 'ARCHIVED';
  }
}
