import type { EntityManager } from 'typeorm';
import type { ReservationStatus } from '../entities/reservation.entity';
import type { StockLine } from '../domain/stock.validator';
import { updateReturning } from './sql';

/** A reservation with its lines, as stored. */
export interface StoredReservation {
  orderId: string;
  status: ReservationStatus;
  failureReason: string | null;
  failedProductIds: string[] | null;
  expiresAt: Date;
  lines: StockLine[];
}

const COLUMNS = `order_id AS "orderId", status, failure_reason AS "failureReason", failed_product_ids AS "failedProductIds", expires_at AS "expiresAt"`;

/** Reservations and their lines; always used inside the caller's transaction. */
export class ReservationStore {
  /**
   * Inserts an ACTIVE reservation with its lines unless the order has one; false when it has.
   * A concurrent insert for the same order waits for the other transaction, then sees its row.
   */
  async insertIfAbsent(manager: EntityManager, orderId: string, lines: StockLine[], ttlSeconds: number): Promise<Date | null> {
    // The reservation and its lines in one statement (the lines only when the reservation is new).
    const rows: { expiresAt: Date }[] = await manager.query(
      `WITH r AS (
         INSERT INTO reservations (order_id, status, expires_at) VALUES ($1, 'ACTIVE', now() + make_interval(secs => $2))
         ON CONFLICT (order_id) DO NOTHING RETURNING order_id, expires_at
       ), l AS (
         INSERT INTO reservation_lines (order_id, product_id, quantity) SELECT r.order_id, u.product_id, u.quantity FROM r, unnest($3::text[], $4::int[]) AS u(product_id, quantity)
       )
       SELECT expires_at AS "expiresAt" FROM r`,
      [orderId, ttlSeconds, lines.map((l) => l.productId), lines.map((l) => l.quantity)],
    );
    return rows[0]?.expiresAt ?? null;
  }

  async find(manager: EntityManager, orderId: string): Promise<StoredReservation | null> {
    const [row] = await manager.query(`SELECT ${COLUMNS} FROM reservations WHERE order_id = $1`, [orderId]);
    if (!row) return null;
    return { ...row, lines: await this.lines(manager, orderId) };
  }

  lines(manager: EntityManager, orderId: string): Promise<StockLine[]> {
    return manager.query('SELECT product_id AS "productId", quantity FROM reservation_lines WHERE order_id = $1 ORDER BY product_id', [orderId]);
  }

  async markFailed(manager: EntityManager, orderId: string, reason: string, productIds: string[]): Promise<void> {
    await manager.query(
      `UPDATE reservations SET status = 'FAILED', failure_reason = $2, failed_product_ids = $3, updated_at = now() WHERE order_id = $1`,
      [orderId, reason, productIds],
    );
  }

  /**
   * Moves an ACTIVE reservation to `to` and returns its lines (sorted by product id); null when it
   * was not ACTIVE (already final, or none). One statement.
   */
  async finish(manager: EntityManager, orderId: string, to: 'RELEASED' | 'COMMITTED'): Promise<StockLine[] | null> {
    const rows: { productId: string | null; quantity: number | null }[] = await manager.query(
      `WITH f AS (UPDATE reservations SET status = $2, updated_at = now() WHERE order_id = $1 AND status = 'ACTIVE' RETURNING order_id)
       SELECT l.product_id AS "productId", l.quantity FROM f LEFT JOIN reservation_lines l ON l.order_id = f.order_id ORDER BY l.product_id`,
      [orderId, to],
    );
    if (rows.length === 0) return null;
    return rows.filter((r): r is StockLine => r.productId !== null);
  }

  /** COMMITTED → RETURNED (a sold order was cancelled); true when this call made the change. */
  async returnCommitted(manager: EntityManager, orderId: string): Promise<boolean> {
    const rows = await updateReturning<{ order_id: string }>(
      manager,
      `UPDATE reservations SET status = 'RETURNED', updated_at = now() WHERE order_id = $1 AND status = 'COMMITTED' RETURNING order_id`,
      [orderId],
    );
    return rows.length === 1;
  }

  /**
   * Locks up to `limit` expired ACTIVE reservations. SKIP LOCKED: rows another replica's sweeper
   * (or a concurrent commit/release) holds are left to it instead of waited for.
   */
  async lockExpired(manager: EntityManager, limit: number): Promise<string[]> {
    const rows: { orderId: string }[] = await manager.query(
      `SELECT order_id AS "orderId" FROM reservations WHERE status = 'ACTIVE' AND expires_at <= now()
        ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return rows.map((r) => r.orderId);
  }
}
