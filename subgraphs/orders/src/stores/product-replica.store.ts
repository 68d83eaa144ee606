import type { DataSource, EntityManager } from 'typeorm';
import type { ReplicaProduct } from '../domain/pricing';

/** The state a products.v1 event carries about one product. */
export interface ProductState {
  productId: string;
  sku: string;
  name: string;
  priceAmount: number;
  currency: string;
  active: boolean;
  /** The product's category slugs; undefined: the event carried none (an older producer), the replica keeps what it had. */
  categorySlugs?: string[];
}

/** The state a products.v1 event carries about one variant. */
export interface VariantState {
  variantId: string;
  sku: string;
  title: string;
  options: { name: string; value: string }[];
  priceAmount: number;
  currency: string;
  active: boolean;
}

/** Reads and writes the local product replica. Writes only ever move a product's state forward in time. */
export class ProductReplicaStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The sellable facts of the given variants (a product's id names its default variant), with
   * their product's name and active flag, in one query. Variants of tombstoned or unknown
   * products, and unknown ids, are left out.
   */
  async findByIds(variantIds: readonly string[]): Promise<Map<string, ReplicaProduct>> {
    const ids = [...new Set(variantIds)];
    if (ids.length === 0) return new Map();
    const rows: (Omit<ReplicaProduct, 'active'> & { variantActive: boolean; productActive: boolean })[] = await this.dataSource.query(
      `SELECT v.variant_id AS "variantId", v.product_id AS "productId", p.name, v.sku, v.title, v.options, v.price_amount AS "priceAmount", v.currency,
              v.active AS "variantActive", p.active AS "productActive", coalesce(p.category_slugs, '{}') AS "categorySlugs"
         FROM variant_replica v JOIN product_replica p ON p.product_id = v.product_id
        WHERE v.variant_id = ANY($1::text[]) AND p.name IS NOT NULL`,
      [ids],
    );
    return new Map(rows.map(({ variantActive, productActive, ...r }) => [r.variantId, { ...r, active: variantActive && productActive }]));
  }

  /**
   * `findByIds(variantIds)` (plus every variant of `productIds`) and `activeVariantsOf(productIds)` in one query: what a cart write
   * needs (the product's variants to choose the default from, the cart's lines for its currency).
   */
  async lookup(
    variantIds: readonly string[],
    productIds: readonly string[],
  ): Promise<{ variants: Map<string, ReplicaProduct>; activeOf: Map<string, { variantId: string; options: { name: string; value: string }[] }[]> }> {
    const wanted = new Set(variantIds);
    const products = [...new Set(productIds)];
    const activeOf = new Map<string, { variantId: string; options: { name: string; value: string }[] }[]>(products.map((id) => [id, []]));
    const variants = new Map<string, ReplicaProduct>();
    if (wanted.size === 0 && products.length === 0) return { variants, activeOf };
    const rows: (Omit<ReplicaProduct, 'active'> & { variantActive: boolean; productActive: boolean; productKnown: boolean })[] = await this.dataSource.query(
      `SELECT v.variant_id AS "variantId", v.product_id AS "productId", p.name, v.sku, v.title, v.options, v.price_amount AS "priceAmount", v.currency,
              v.active AS "variantActive", coalesce(p.active, false) AS "productActive", p.name IS NOT NULL AS "productKnown",
              coalesce(p.category_slugs, '{}') AS "categorySlugs"
         FROM variant_replica v LEFT JOIN product_replica p ON p.product_id = v.product_id
        WHERE v.variant_id = ANY($1::text[]) OR v.product_id = ANY($2::text[])
        ORDER BY v.variant_id`,
      [[...wanted], products],
    );
    for (const { variantActive, productActive, productKnown, ...r } of rows) {
      if ((wanted.has(r.variantId) || activeOf.has(r.productId)) && productKnown) variants.set(r.variantId, { ...r, active: variantActive && productActive });
      if (variantActive && activeOf.has(r.productId)) activeOf.get(r.productId)!.push({ variantId: r.variantId, options: r.options });
    }
    return { variants, activeOf };
  }

  /** The active variants of each given product, in one query (the product-based cart mutations pick the default variant from them). */
  async activeVariantsOf(productIds: readonly string[]): Promise<Map<string, { variantId: string; options: { name: string; value: string }[] }[]>> {
    const ids = [...new Set(productIds)];
    const byProduct = new Map<string, { variantId: string; options: { name: string; value: string }[] }[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byProduct;
    const rows: { productId: string; variantId: string; options: { name: string; value: string }[] }[] = await this.dataSource.query(
      `SELECT product_id AS "productId", variant_id AS "variantId", options FROM variant_replica WHERE product_id = ANY($1::text[]) AND active ORDER BY variant_id`,
      [ids],
    );
    for (const r of rows) byProduct.get(r.productId)!.push({ variantId: r.variantId, options: r.options });
    return byProduct;
  }

  /**
   * Writes the state of a product's variants from an event that occurred at `occurredAt`, each
   * unless the replica holds a state from a later event (the same rule as `upsert`).
   */
  async upsertVariants(manager: EntityManager, productId: string, variants: VariantState[], occurredAt: Date): Promise<void> {
    if (variants.length === 0) return;
    await manager.query(
      `INSERT INTO variant_replica AS r (variant_id, product_id, sku, title, options, price_amount, currency, active, source_occurred_at)
       SELECT v.variant_id, $1, v.sku, v.title, v.options, v.price_amount, v.currency, v.active, $3
         FROM jsonb_to_recordset($2::jsonb) AS v(variant_id text, sku text, title text, options jsonb, price_amount int, currency text, active boolean)
       ON CONFLICT (variant_id) DO UPDATE
         SET sku = EXCLUDED.sku, title = EXCLUDED.title, options = EXCLUDED.options, price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency,
             active = EXCLUDED.active, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now()
         WHERE r.source_occurred_at <= EXCLUDED.source_occurred_at`,
      [
        productId,
        JSON.stringify(
          variants.map((v) => ({ variant_id: v.variantId, sku: v.sku, title: v.title, options: v.options, price_amount: v.priceAmount, currency: v.currency, active: v.active })),
        ),
        occurredAt,
      ],
    );
  }

  /**
   * Writes a product's full state from an event that occurred at `occurredAt`, unless the replica
   * already holds a state from a later event (products.v1 is ordered per product, but a replayed
   * or re-published older event must not undo a newer one). Returns whether it wrote.
   */
  async upsert(manager: EntityManager, state: ProductState, occurredAt: Date): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO product_replica AS r (product_id, sku, name, price_amount, currency, active, source_occurred_at, category_slugs)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[])
       ON CONFLICT (product_id) DO UPDATE
         SET sku = EXCLUDED.sku, name = EXCLUDED.name, price_amount = EXCLUDED.price_amount, currency = EXCLUDED.currency,
             active = EXCLUDED.active, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now(),
             category_slugs = coalesce(EXCLUDED.category_slugs, r.category_slugs)
         WHERE r.source_occurred_at <= EXCLUDED.source_occurred_at
       RETURNING product_id`,
      [state.productId, state.sku, state.name, state.priceAmount, state.currency, state.active, occurredAt, state.categorySlugs ?? null],
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
