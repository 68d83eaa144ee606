import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { PromotionKind, PromotionRule, ShippingMethodRule, TaxRateRule } from '../domain/checkout-pricing';
import { updateReturning } from './sql';

/** Why a promotion could not be redeemed when the order was placed (the pricing saw it valid a moment before). */
export class PromotionRedemptionError extends Error {
  constructor(
    readonly promotionId: string,
    readonly code: string | null,
    readonly reason: 'USED_UP' | 'CUSTOMER_LIMIT',
  ) {
    super(reason === 'USED_UP' ? `Code ${code ?? promotionId} has been used up` : `Code ${code ?? promotionId} has reached its per-customer limit`);
  }
}

export interface PromotionFields {
  name: string;
  code: string | null;
  kind: PromotionKind;
  value: number;
  minSubtotal: number | null;
  categorySlugs: string[];
  startsAt: Date | null;
  endsAt: Date | null;
  usageLimit: number | null;
  perCustomerLimit: number | null;
}

export interface StoredPromotion extends PromotionRule {
  createdAt: Date;
}

export interface ShippingMethodReplica extends ShippingMethodRule {
  description: string | null;
}

const promotionOf = (r: any): StoredPromotion => ({
  id: r.id,
  name: r.name,
  code: r.code,
  kind: r.kind,
  value: r.value,
  minSubtotal: r.min_subtotal,
  categorySlugs: r.category_slugs ?? [],
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  usageLimit: r.usage_limit,
  perCustomerLimit: r.per_customer_limit,
  usageCount: r.usage_count,
  active: r.active,
  createdAt: r.created_at,
});

const taxRateOf = (r: any): TaxRateRule => ({
  id: r.id,
  name: r.name,
  country: r.country,
  region: r.region === '' ? null : r.region,
  rateBasisPoints: r.rate_basis_points,
  appliesToShipping: r.applies_to_shipping,
});

const methodOf = (r: any): ShippingMethodReplica => ({
  id: r.id,
  name: r.name,
  carrier: r.carrier,
  description: r.description,
  countries: r.countries,
  price: r.price_amount,
  currency: r.currency.trim(),
  freeOver: r.free_over,
  minDeliveryDays: r.min_delivery_days,
  maxDeliveryDays: r.max_delivery_days,
  active: r.active,
});

/**
 * Tax rates, promotions (with their uses) and the replica of shipping methods: what the pricing
 * function reads besides the cart, and the atomic promotion bookkeeping of placeOrder and cancellation.
 */
export class CheckoutStore {
  constructor(private readonly dataSource: DataSource) {}

  // ── tax ──
  async taxRates(): Promise<TaxRateRule[]> {
    return (await this.dataSource.query('SELECT * FROM tax_rates ORDER BY country, region')).map(taxRateOf);
  }

  /** Upsert by (country, region). */
  async setTaxRate(input: { name: string; country: string; region: string | null; rateBasisPoints: number; appliesToShipping: boolean }): Promise<TaxRateRule> {
    const [row] = await this.dataSource.query(
      `INSERT INTO tax_rates (id, name, country, region, rate_basis_points, applies_to_shipping) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (country, region) DO UPDATE SET name = excluded.name, rate_basis_points = excluded.rate_basis_points, applies_to_shipping = excluded.applies_to_shipping
       RETURNING *`,
      [randomUUID(), input.name, input.country.toUpperCase(), (input.region ?? '').toUpperCase(), input.rateBasisPoints, input.appliesToShipping],
    );
    return taxRateOf(row);
  }

  async removeTaxRate(id: string): Promise<TaxRateRule | null> {
    const [row] = await updateReturning<any>(this.dataSource.manager, 'DELETE FROM tax_rates WHERE id = $1 RETURNING *', [id]);
    return row ? taxRateOf(row) : null;
  }

  // ── promotions ──
  /** The automatic promotions that are active, and the active ones whose codes are among `codes` (case-insensitive). */
  async promotionsForPricing(codes: string[]): Promise<PromotionRule[]> {
    const rows = await this.dataSource.query(
      'SELECT * FROM promotions WHERE active AND (code IS NULL OR upper(code) = ANY($1::text[])) ORDER BY id',
      [codes.map((c) => c.trim().toUpperCase())],
    );
    return rows.map(promotionOf);
  }

  /** How many live (not given back) uses `customerId` has of each promotion. */
  async customerUses(customerId: string, promotionIds: string[]): Promise<Map<string, number>> {
    if (promotionIds.length === 0) return new Map();
    const rows: { promotion_id: string; n: string }[] = await this.dataSource.query(
      'SELECT promotion_id, count(*) AS n FROM promotion_uses WHERE customer_id = $1 AND promotion_id = ANY($2::uuid[]) AND released_at IS NULL GROUP BY promotion_id',
      [customerId, promotionIds],
    );
    return new Map(rows.map((r) => [r.promotion_id, Number(r.n)]));
  }

  async promotion(id: string): Promise<StoredPromotion | null> {
    const [row] = await this.dataSource.query('SELECT * FROM promotions WHERE id = $1', [id]);
    return row ? promotionOf(row) : null;
  }

  /** Newest first; `after` is the id of the last promotion of the previous page. */
  async promotions(first: number, after: string | null): Promise<{ nodes: StoredPromotion[]; hasNextPage: boolean; totalCount: number }> {
    const rows = await this.dataSource.query(
      `SELECT * FROM promotions p
        WHERE $1::uuid IS NULL OR (p.created_at, p.id) < (SELECT created_at, id FROM promotions WHERE id = $1::uuid)
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      [after, first + 1],
    );
    const [{ n }] = await this.dataSource.query('SELECT count(*) AS n FROM promotions');
    return { nodes: rows.slice(0, first).map(promotionOf), hasNextPage: rows.length > first, totalCount: Number(n) };
  }

  async createPromotion(fields: PromotionFields): Promise<StoredPromotion> {
    const [row] = await this.dataSource.query(
      `INSERT INTO promotions (id, name, code, kind, value, min_subtotal, category_slugs, starts_at, ends_at, usage_limit, per_customer_limit)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
      [randomUUID(), ...this.params(fields)],
    );
    return promotionOf(row);
  }

  async updatePromotion(id: string, fields: PromotionFields): Promise<StoredPromotion | null> {
    const [row] = await updateReturning<any>(
      this.dataSource.manager,
      `UPDATE promotions SET name = $2, code = $3, kind = $4, value = $5, min_subtotal = $6, category_slugs = $7, starts_at = $8, ends_at = $9,
              usage_limit = $10, per_customer_limit = $11 WHERE id = $1 RETURNING *`,
      [id, ...this.params(fields)],
    );
    return row ? promotionOf(row) : null;
  }

  async archivePromotion(id: string): Promise<StoredPromotion | null> {
    const [row] = await updateReturning<any>(this.dataSource.manager, 'UPDATE promotions SET active = false WHERE id = $1 RETURNING *', [id]);
    return row ? promotionOf(row) : null;
  }

  private params(f: PromotionFields): unknown[] {
    return [f.name, f.code, f.kind, f.value, f.minSubtotal, f.categorySlugs, f.startsAt, f.endsAt, f.usageLimit, f.perCustomerLimit];
  }

  /**
   * Records that `orderId` uses each promotion, inside the order's transaction: the global count
   * goes up only while below the limit (the row lock the UPDATE takes makes concurrent orders
   * queue, each re-checking the limit on the committed count), and the customer's live uses are
   * counted under that same lock. Throws PromotionRedemptionError when one is used up: the caller
   * rolls the transaction back, so no order and no use is recorded. Ids are locked in a fixed order
   * (no deadlocks between two orders using the same codes).
   */
  async redeem(manager: EntityManager, orderId: string, customerId: string, promotions: { id: string; code: string | null }[]): Promise<void> {
    for (const p of [...promotions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      const [row] = await updateReturning<{ per_customer_limit: number | null }>(
        manager,
        `UPDATE promotions SET usage_count = usage_count + 1
          WHERE id = $1 AND (usage_limit IS NULL OR usage_count < usage_limit) RETURNING per_customer_limit`,
        [p.id],
      );
      if (!row) throw new PromotionRedemptionError(p.id, p.code, 'USED_UP');
      if (row.per_customer_limit != null) {
        const [{ n }] = await manager.query('SELECT count(*) AS n FROM promotion_uses WHERE promotion_id = $1 AND customer_id = $2 AND released_at IS NULL', [p.id, customerId]);
        if (Number(n) >= row.per_customer_limit) throw new PromotionRedemptionError(p.id, p.code, 'CUSTOMER_LIMIT');
      }
      await manager.query('INSERT INTO promotion_uses (promotion_id, order_id, customer_id) VALUES ($1, $2, $3)', [p.id, orderId, customerId]);
    }
  }

  /**
   * A cancelled order gives its uses back: each live use is marked released and its promotion's
   * count goes down, once however often the cancellation is applied (redelivery). Returns the
   * promotion ids given back.
   */
  async release(manager: EntityManager, orderId: string): Promise<string[]> {
    const released = await updateReturning<{ promotion_id: string }>(
      manager,
      'UPDATE promotion_uses SET released_at = now() WHERE order_id = $1 AND released_at IS NULL RETURNING promotion_id',
      [orderId],
    );
    const ids = released.map((r) => r.promotion_id).sort();
    for (const id of ids) {
      await manager.query('UPDATE promotions SET usage_count = usage_count - 1 WHERE id = $1 AND usage_count > 0', [id]);
    }
    return ids;
  }

  // ── shipping methods replica (shipping.v1) ──
  async shippingMethods(includeInactive = false): Promise<ShippingMethodReplica[]> {
    return (await this.dataSource.query(`SELECT * FROM shipping_method_replica ${includeInactive ? '' : 'WHERE active'} ORDER BY price_amount, name, id`)).map(methodOf);
  }

  /** Applies a snapshot unless one of a higher revision was applied already (events may arrive again or out of order). */
  async upsertShippingMethod(m: ShippingMethodReplica, revision: number, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const rows = await manager.query(
      `INSERT INTO shipping_method_replica (id, name, carrier, description, countries, price_amount, currency, free_over, min_delivery_days, max_delivery_days, active, revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, carrier = excluded.carrier, description = excluded.description, countries = excluded.countries,
         price_amount = excluded.price_amount, currency = excluded.currency, free_over = excluded.free_over, min_delivery_days = excluded.min_delivery_days,
         max_delivery_days = excluded.max_delivery_days, active = excluded.active, revision = excluded.revision, updated_at = now()
       WHERE shipping_method_replica.revision < excluded.revision
       RETURNING id`,
      [m.id, m.name, m.carrier ?? null, m.description, m.countries.map((c) => c.toUpperCase()), m.price, m.currency, m.freeOver ?? null, m.minDeliveryDays ?? null, m.maxDeliveryDays ?? null, m.active, revision],
    );
    return rows.length > 0;
  }
}
