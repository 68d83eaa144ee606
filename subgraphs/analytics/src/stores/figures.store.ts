import type { DataSource, EntityManager } from 'typeorm';
import type { EventEnvelope } from '@shopgraph/events';
import { emptyDelta, foldInto, isFolded, type FoldDelta, type FoldedType, type SalesCounters } from '../domain/fold';

/** The inbox consumer name of the fold: one inbox row per event folded. */
export const FOLD_CONSUMER = 'analytics.fold';

const SALES_COLUMNS = ['carts_created', 'orders_placed', 'orders_confirmed', 'orders_cancelled', 'items_sold', 'revenue', 'refunds', 'confirmed_value'] as const;
const SALES_FIELDS: (keyof SalesCounters)[] = ['cartsCreated', 'ordersPlaced', 'ordersConfirmed', 'ordersCancelled', 'itemsSold', 'revenue', 'refunds', 'confirmedValue'];
const SALES_TYPES = ['int', 'int', 'int', 'int', 'int', 'bigint', 'bigint', 'bigint'];

/** Summed figures of a time range (or of one period of it). */
export type SalesRow = SalesCounters & { period: Date };

/**
 * The folded figures in PostgreSQL. `fold` is exactly once by construction: each event's inbox row
 * (consumer, event id) is written in the same transaction as what it adds, so a redelivered event
 * (Kafka redelivery, a republished outbox row, a replay into a database that already has it)
 * inserts no inbox row and adds nothing.
 */
export class FiguresStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly currency: string,
  ) {}

  /**
   * Folds `events` (any order; duplicates within the batch or seen before count once) in one
   * transaction. Returns how many were new. Upserts take their rows in key order, so concurrent
   * folds (several consumers) cannot deadlock.
   */
  async fold(events: EventEnvelope[]): Promise<number> {
    const candidates = events.filter(isFolded);
    if (candidates.length === 0) return 0;
    return this.dataSource.transaction(async (manager) => {
      const inserted: { event_id: string }[] = await manager.query(
        `INSERT INTO inbox (consumer, event_id, event_type)
         SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [FOLD_CONSUMER, candidates.map((e) => e.id), candidates.map((e) => e.type)],
      );
      if (inserted.length === 0) return 0;
      const fresh = new Set(inserted.map((r) => r.event_id));
      const seen = new Set<string>();
      const todo = candidates.filter((e) => fresh.has(e.id) && !seen.has(e.id) && seen.add(e.id)) as EventEnvelope<FoldedType>[];
      await this.apply(manager, foldInto(emptyDelta(), todo, this.currency));
      return todo.length;
    });
  }

  private async apply(manager: EntityManager, delta: FoldDelta): Promise<void> {
    const sales = [...delta.sales].filter(([, c]) => SALES_FIELDS.some((f) => c[f] !== 0)).sort(([a], [b]) => a - b);
    if (sales.length > 0) {
      const params: unknown[] = [sales.map(([minute]) => new Date(minute).toISOString())];
      SALES_FIELDS.forEach((field) => params.push(sales.map(([, c]) => c[field])));
      await manager.query(
        `INSERT INTO sales_minute (minute, ${SALES_COLUMNS.join(', ')})
         SELECT * FROM unnest($1::timestamptz[], ${SALES_TYPES.map((t, i) => `$${i + 2}::${t}[]`).join(', ')})
         ON CONFLICT (minute) DO UPDATE SET ${SALES_COLUMNS.map((c) => `${c} = sales_minute.${c} + EXCLUDED.${c}`).join(', ')}`,
        params,
      );
    }
    const products = [...delta.products.values()].sort((a, b) => a.minute - b.minute || (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
    if (products.length > 0) {
      await manager.query(
        `INSERT INTO product_sales_minute (minute, product_id, units, revenue)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::int[], $4::bigint[])
         ON CONFLICT (minute, product_id) DO UPDATE SET units = product_sales_minute.units + EXCLUDED.units, revenue = product_sales_minute.revenue + EXCLUDED.revenue`,
        [products.map((p) => new Date(p.minute).toISOString()), products.map((p) => p.productId), products.map((p) => p.units), products.map((p) => p.revenue)],
      );
    }
    const cancellations = [...delta.cancellations.values()].sort((a, b) => a.minute - b.minute || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
    if (cancellations.length > 0) {
      await manager.query(
        `INSERT INTO cancellations_minute (minute, reason, count)
         SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::int[])
         ON CONFLICT (minute, reason) DO UPDATE SET count = cancellations_minute.count + EXCLUDED.count`,
        [cancellations.map((c) => new Date(c.minute).toISOString()), cancellations.map((c) => c.reason), cancellations.map((c) => c.count)],
      );
    }
  }

  /**
   * The sales counters of [from, to) (minute-aligned) summed per period of `unit` (a PostgreSQL
   * date_trunc unit, in UTC); only periods with activity.
   */
  async salesByPeriod(from: Date, to: Date, unit: 'minute' | 'hour' | 'day' | 'week' | 'month'): Promise<SalesRow[]> {
    const rows: Record<string, string | Date>[] = await this.dataSource.query(
      `SELECT date_trunc('${unit}', minute AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS period,
              ${SALES_COLUMNS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')}
       FROM sales_minute WHERE minute >= $1 AND minute < $2 GROUP BY 1 ORDER BY 1`,
      [from, to],
    );
    return rows.map((row) => {
      const out = { period: new Date(row.period) } as SalesRow;
      SALES_FIELDS.forEach((field, i) => (out[field] = Number(row[SALES_COLUMNS[i]])));
      return out;
    });
  }

  /** The sales counters of [from, to) (minute-aligned) summed into one. */
  async totals(from: Date, to: Date): Promise<SalesCounters> {
    const [row]: Record<string, string>[] = await this.dataSource.query(
      `SELECT ${SALES_COLUMNS.map((c) => `coalesce(sum(${c}), 0)::bigint AS ${c}`).join(', ')} FROM sales_minute WHERE minute >= $1 AND minute < $2`,
      [from, to],
    );
    const out = {} as SalesCounters;
    SALES_FIELDS.forEach((field, i) => (out[field] = Number(row[SALES_COLUMNS[i]])));
    return out;
  }

  /** Products by units sold in [from, to), then by revenue, then by id; at most `first`. */
  async topProducts(from: Date, to: Date, first: number): Promise<{ productId: string; units: number; revenue: number }[]> {
    const rows: { product_id: string; units: string; revenue: string }[] = await this.dataSource.query(
      `SELECT product_id, sum(units)::bigint AS units, sum(revenue)::bigint AS revenue
       FROM product_sales_minute WHERE minute >= $1 AND minute < $2
       GROUP BY product_id ORDER BY units DESC, revenue DESC, product_id LIMIT $3`,
      [from, to, first],
    );
    return rows.map((r) => ({ productId: r.product_id, units: Number(r.units), revenue: Number(r.revenue) }));
  }

  /** Cancellations in [from, to) per reason. */
  async cancellations(from: Date, to: Date): Promise<{ reason: string; count: number }[]> {
    const rows: { reason: string; count: string }[] = await this.dataSource.query(
      `SELECT reason, sum(count)::bigint AS count FROM cancellations_minute WHERE minute >= $1 AND minute < $2
       GROUP BY reason ORDER BY count DESC, reason`,
      [from, to],
    );
    return rows.map((r) => ({ reason: r.reason, count: Number(r.count) }));
  }
}
