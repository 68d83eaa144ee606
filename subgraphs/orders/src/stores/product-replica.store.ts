import { In, type DataSource, type EntityManager } from 'typeorm';
import { ProductReplicaEntity } from '../entities/product-replica.entity';
import type { ReplicaProduct } from '../services/pricing';

/** The state a products.v1 event carries about one product. */
export interface ProductState {
  productId: string;
  sku: string;
  name: string;
  priceAmount: number;
  currency: string;
  active: boolean;
}

/** Reads and writes the local product replica. Writes only ever move a product's state forward in time. */
export class ProductReplicaStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The sellable facts of the given products (tombstones and unknown ids are left out). */
  async findByIds(productIds: readonly string[]): Promise<Map<string, ReplicaProduct>> {
    const ids = [...new Set(productIds)];
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(ProductReplicaEntity).findBy({ productId: In(ids) });
    const known = new Map<string, ReplicaProduct>();
    for (const r of rows) {
      if (r.name === null || r.priceAmount === null || r.currency === null) continue;
      known.set(r.productId, { productId: r.productId, name: r.name, priceAmount: r.priceAmount, currency: r.currency, active: r.active });
    }
    return known;
  }

  /**
   * Writes a product's full state from an event that occurred at `occurredAt`, unless the replica
   * already holds a state from a later event (products.v1 is ordered per product, but a replayed
   * or re-published older event must not undo a newer one). Returns whether it wrote.
   */
  async upsert(manager: EntityManager, state: ProductState, occurredAt: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO product_replica AS r (product_id, sku, name, price_amount, currency, active, source_occurred_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (product_id) DO UPDATE
         SET sku = EXCLUDED.sku, name = EXCLUDED.name, price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency,
             active = EXCLUDED.active, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now()
         WHERE r.source_occurred_at <= EXCLUDED.source_occurred_at
       RETURNING product_id`,
      [state.productId, state.sku, state.name, state.priceAmount, state.currency, state.active, occurredAt],
    );
    return rows.length > 0;
  }

  /** Marks a product archived as of `occurredAt` (a tombstone when the replica never saw it). */
  async archive(manager: EntityManager, productId: string, occurredAt: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO product_replica AS r (product_id, active, source_occurred_at) VALUES ($1, false, $2)
       ON CONFLICT (product_id) DO UPDATE SET active = false, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now()
         WHERE r.source_occurred_at <= EXCLUDED.source_occurred_at
       RETURNING product_id`,
      [productId, occurredAt],
    );
    return rows.length > 0;
  }
}
