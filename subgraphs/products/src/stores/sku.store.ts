import type { Db } from 'mongodb';
import { isDuplicateKeyError } from './duplicate-key';

/** One sku held by a product or one of its variants; `_id` is the sku, so the primary key makes it unique. */
export interface SkuClaimDocument {
  _id: string;
  productId: string;
  at: Date;
}

export const SKU_CLAIMS_COLLECTION = 'sku_claims';

/** A claim younger than this is never taken over (its product may still be being inserted). */
const STALE_AFTER_MS = 60_000;

/**
 * The registry that keeps skus unique across every product and variant. FerretDB does not
 * enforce a unique index on an array field (`variants.sku`: a duplicate in another document is
 * accepted), so each sku is claimed as a document of its own before the product write, and
 * released when the write fails or the sku changes. A claim left behind by a crash between the
 * two writes is stale once its product does not hold the sku: a later claim takes it over.
 */
export class SkuStore {
  constructor(private readonly db: Db) {}

  get collection() {
    return this.db.collection<SkuClaimDocument>(SKU_CLAIMS_COLLECTION);
  }

  /**
   * Claims every sku for `productId`, or none: returns the first sku another product holds
   * (null when all were claimed). Skus the product already holds count as claimed.
   */
  async claim(
    productId: string,
    skus: readonly string[],
    holds: (productId: string, sku: string) => Promise<boolean>,
  ): Promise<string | null> {
    const claimed: string[] = [];
    for (const sku of skus) {
      if (await this.claimOne(productId, sku, holds)) {
        claimed.push(sku);
        continue;
      }
      await this.release(productId, claimed);
      return sku;
    }
    return null;
  }

  /** Gives up `skus` held by `productId` (others' claims are left alone). */
  async release(productId: string, skus: readonly string[]): Promise<void> {
    if (skus.length > 0) await this.collection.deleteMany({ _id: { $in: [...skus] }, productId });
  }

  /** Records claims for skus already stored in products (migration, seeding); existing claims are kept. */
  async register(productId: string, skus: readonly string[]): Promise<void> {
    for (const sku of skus)
      await this.collection.updateOne({ _id: sku }, { $setOnInsert: { productId, at: new Date() } }, { upsert: true });
  }

  private async claimOne(productId: string, sku: string, holds: (productId: string, sku: string) => Promise<boolean>): Promise<boolean> {
    try {
      await this.collection.insertOne({ _id: sku, productId, at: new Date() });
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const current = await this.collection.findOne({ _id: sku });
    if (!current) return this.claimOne(productId, sku, holds);
    if (current.productId === productId) return true;
    if (Date.now() - current.at.getTime() < STALE_AFTER_MS || (await holds(current.productId, sku))) return false;
    const taken = await this.collection.updateOne({ _id: sku, productId: current.productId }, { $set: { productId, at: new Date() } });
    return taken.modifiedCount === 1;
  }
}
