import type { DataSource, EntityManager } from 'typeorm';
import type { StockRow } from '../types/stock-level.type';
import { updateReturning } from './sql';
import type { LowStockCursor } from '../domain/low-stock.cursor';
import { MAX_ON_HAND } from '../domain/stock.validator';

const COLUMNS = `product_id AS "productId", parent_product_id AS "parentProductId", on_hand AS "onHand", reserved, updated_at AS "updatedAt"`;

/** A stock row with its generated `available` column. */
export interface AvailableStockRow extends StockRow {
  available: number;
}

/** One entry of the audit trail. */
export interface StockMovement {
  productId: string;
  delta: number;
  onHandAfter: number;
  reason: string;
  actor: string;
}

/**
 * Stock rows in PostgreSQL. Every write is one conditional statement whose affected rows tell
 * whether it applied: no read-modify-write, the CHECK constraints are the last line of defence.
 */
export class StockStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The rows of these products in ONE query (the DataLoader batch of `_entities`). */
  async findByProductIds(productIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<StockRow[]> {
    if (productIds.length === 0) return [];
    return manager.query(`SELECT ${COLUMNS} FROM stock WHERE product_id = ANY($1::text[])`, [[...new Set(productIds)]]);
  }

  async find(productId: string, manager: EntityManager = this.dataSource.manager): Promise<StockRow | null> {
    const [row] = await this.findByProductIds([productId], manager);
    return row ?? null;
  }

  /**
   * Each product's stock summed over its active variants' rows, in ONE query (the DataLoader batch
   * of Product references); products without a row are left out.
   */
  async sumsByProduct(productIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<StockRow[]> {
    if (productIds.length === 0) return [];
    return manager.query(
      `SELECT parent_product_id AS "productId", parent_product_id AS "parentProductId", sum(on_hand)::int AS "onHand", sum(reserved)::int AS reserved,
              max(updated_at) AS "updatedAt"
         FROM stock WHERE parent_product_id = ANY($1::text[]) AND active GROUP BY parent_product_id`,
      [[...new Set(productIds)]],
    );
  }

  /** Creates the record of variant `productId` of product `parentProductId` unless one exists; returns it when created, null when it was already there. */
  async createIfMissing(manager: EntityManager, productId: string, onHand: number, parentProductId: string = productId): Promise<StockRow | null> {
    const rows: StockRow[] = await manager.query(
      `INSERT INTO stock (product_id, parent_product_id, on_hand) VALUES ($1, $3, $2) ON CONFLICT (product_id) DO NOTHING RETURNING ${COLUMNS}`,
      [productId, onHand, parentProductId],
    );
    return rows[0] ?? null;
  }

  /** Marks which of a product's variants are active (the others archived); returns how many rows changed. */
  async setActiveVariants(manager: EntityManager, parentProductId: string, activeIds: readonly string[]): Promise<number> {
    const rows = await updateReturning<{ product_id: string }>(
      manager,
      `UPDATE stock SET active = (product_id = ANY($2::text[])), updated_at = now()
        WHERE parent_product_id = $1 AND active <> (product_id = ANY($2::text[])) RETURNING product_id`,
      [parentProductId, [...activeIds]],
    );
    return rows.length;
  }

  /** Sets on_hand unless that would fall below what is reserved; returns the new row and the old on_hand, or null. */
  async setOnHand(manager: EntityManager, productId: string, onHand: number): Promise<{ row: StockRow; previousOnHand: number } | null> {
    // The sub-select locks the row and reads its on_hand before the change, for the audit delta.
    const rows = await updateReturning<StockRow & { previousOnHand: number }>(
      manager,
      `UPDATE stock s SET on_hand = $2, updated_at = now()
         FROM (SELECT product_id, on_hand FROM stock WHERE product_id = $1 FOR UPDATE) old
        WHERE s.product_id = old.product_id AND s.reserved <= $2
        RETURNING s.product_id AS "productId", s.parent_product_id AS "parentProductId", s.on_hand AS "onHand", s.reserved, s.updated_at AS "updatedAt", old.on_hand AS "previousOnHand"`,
      [productId, onHand],
    );
    if (rows.length === 0) return null;
    const { previousOnHand, ...row } = rows[0];
    return { row, previousOnHand };
  }

  /** Adds `delta` to on_hand unless the result would fall below what is reserved (or 0, or above the maximum). */
  async adjustOnHand(manager: EntityManager, productId: string, delta: number): Promise<StockRow | null> {
    // bigint arithmetic: on_hand + delta must not overflow integer before the range check sees it.
    const rows = await updateReturning<StockRow>(
      manager,
      `UPDATE stock SET on_hand = on_hand + $2, updated_at = now()
        WHERE product_id = $1 AND on_hand::bigint + $2 >= reserved AND on_hand::bigint + $2 <= ${MAX_ON_HAND}
        RETURNING ${COLUMNS}`,
      [productId, delta],
    );
    return rows[0] ?? null;
  }

  /** Holds `quantity` more units if that many are available; null when not (or no such product). */
  async reserve(manager: EntityManager, productId: string, quantity: number): Promise<StockRow | null> {
    const rows = await updateReturning<StockRow>(
      manager,
      `UPDATE stock SET reserved = reserved + $2, updated_at = now()
        WHERE product_id = $1 AND on_hand - reserved >= $2
        RETURNING ${COLUMNS}`,
      [productId, quantity],
    );
    return rows[0] ?? null;
  }

  /** Stops holding `quantity` units; with `sold`, they also leave on_hand (reserved → sold). */
  async unreserve(manager: EntityManager, productId: string, quantity: number, sold: boolean): Promise<StockRow | null> {
    const rows = await updateReturning<StockRow>(
      manager,
      `UPDATE stock SET reserved = reserved - $2, ${sold ? 'on_hand = on_hand - $2,' : ''} updated_at = now()
        WHERE product_id = $1 AND reserved >= $2
        RETURNING ${COLUMNS}`,
      [productId, quantity],
    );
    return rows[0] ?? null;
  }

  /** Puts `quantity` units back on hand (a cancelled sale). */
  async restock(manager: EntityManager, productId: string, quantity: number): Promise<StockRow | null> {
    const rows = await updateReturning<StockRow>(
      manager,
      `UPDATE stock SET on_hand = on_hand + $2, updated_at = now() WHERE product_id = $1 RETURNING ${COLUMNS}`,
      [productId, quantity],
    );
    return rows[0] ?? null;
  }

  async addMovement(manager: EntityManager, movement: StockMovement): Promise<void> {
    await manager.query('INSERT INTO stock_movements (product_id, delta, on_hand_after, reason, actor) VALUES ($1, $2, $3, $4, $5)', [
      movement.productId,
      movement.delta,
      movement.onHandAfter,
      movement.reason,
      movement.actor,
    ]);
  }

  /**
   * Up to `limit` products with an active variant whose available stock is <= threshold, after
   * `after`, ordered by (their lowest variant's available, product id). `available` is that lowest one.
   */
  lowStockPage(threshold: number, after: LowStockCursor | null, limit: number): Promise<{ productId: string; available: number }[]> {
    const params: unknown[] = [threshold, limit];
    let keyset = '';
    if (after) {
      params.push(after.available, after.productId);
      keyset = 'AND (min(available), parent_product_id) > ($3, $4)';
    }
    return this.dataSource.query(
      `SELECT parent_product_id AS "productId", min(available)::int AS available FROM stock WHERE active
        GROUP BY parent_product_id HAVING min(available) <= $1 ${keyset} ORDER BY 2, 1 LIMIT $2`,
      params,
    );
  }

  async countLowStock(threshold: number): Promise<number> {
    const [{ n }] = await this.dataSource.query(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM stock WHERE active GROUP BY parent_product_id HAVING min(available) <= $1) low',
      [threshold],
    );
    return n;
  }
}
