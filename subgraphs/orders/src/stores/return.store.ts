import type { DataSource, EntityManager } from 'typeorm';
import type { OrderedLine, ReturnLineValue, ReturnStatusValue } from '../domain/return-rules';
import { isUuid, updateReturning } from './sql';

/** A stored return with its lines. */
export interface ReturnRow {
  id: string;
  orderId: string;
  customerId: string;
  status: ReturnStatusValue;
  reason: string;
  rejectionReason: string | null;
  refundAmount: number | null;
  currency: string;
  restockedAt: Date | null;
  refundedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lines: ReturnLineValue[];
}

/** Position in the keyset order (created_at desc, id desc). */
export interface ReturnCursor {
  t: number;
  id: string;
}

const COLUMNS = `r.id, r.order_id AS "orderId", r.customer_id AS "customerId", r.status, r.reason, r.rejection_reason AS "rejectionReason",
  r.refund_amount AS "refundAmount", trim(r.currency) AS currency, r.restocked_at AS "restockedAt", r.refunded_at AS "refundedAt",
  r.created_at AS "createdAt", r.updated_at AS "updatedAt"`;
const LINES = `COALESCE((SELECT json_agg(json_build_object('productId', l.product_id, 'variantId', l.variant_id, 'quantity', l.quantity) ORDER BY l.position)
  FROM return_lines l WHERE l.return_id = r.id), '[]'::json) AS lines`;

/** Returns in PostgreSQL; every status change is one conditional UPDATE on the status it was decided on. */
export class ReturnStore {
  constructor(private readonly dataSource: DataSource) {}

  async insert(
    manager: EntityManager,
    row: { id: string; orderId: string; customerId: string; reason: string; currency: string; lines: ReturnLineValue[] },
  ): Promise<ReturnRow> {
    await manager.query(
      `INSERT INTO returns (id, order_id, customer_id, status, reason, currency) VALUES ($1, $2, $3, 'REQUESTED', $4, $5)`,
      [row.id, row.orderId, row.customerId, row.reason, row.currency],
    );
    await manager.query(
      `INSERT INTO return_lines (return_id, product_id, variant_id, quantity, position)
       SELECT $1, p, v, q, (o - 1)::smallint FROM unnest($2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS t(p, v, q, o)`,
      [row.id, row.lines.map((l) => l.productId), row.lines.map((l) => l.variantId), row.lines.map((l) => l.quantity)],
    );
    return (await this.findById(row.id, manager))!;
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager, lock = false): Promise<ReturnRow | null> {
    if (!isUuid(id)) return null;
    if (lock) await manager.query('SELECT 1 FROM returns WHERE id = $1 FOR UPDATE', [id]);
    const [row] = await manager.query(`SELECT ${COLUMNS}, ${LINES} FROM returns r WHERE r.id = $1`, [id]);
    return row ?? null;
  }

  async findByIds(ids: readonly string[]): Promise<ReturnRow[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return [];
    return this.dataSource.query(`SELECT ${COLUMNS}, ${LINES} FROM returns r WHERE r.id = ANY($1::uuid[])`, [valid]);
  }

  /** The returns of several orders, oldest first. */
  async ofOrders(orderIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<ReturnRow[]> {
    const valid = [...new Set(orderIds.filter(isUuid))];
    if (valid.length === 0) return [];
    return manager.query(`SELECT ${COLUMNS}, ${LINES} FROM returns r WHERE r.order_id = ANY($1::uuid[]) ORDER BY r.created_at, r.id`, [valid]);
  }

  /** Locks the order's row (returns of one order are decided one at a time) and reads what a return needs of it. */
  async lockOrder(
    manager: EntityManager,
    orderId: string,
  ): Promise<{ id: string; customerId: string; status: string; currency: string; total: number; pricesIncludeTax: boolean; deliveredAt: Date | null; lines: OrderedLine[] } | null> {
    if (!isUuid(orderId)) return null;
    const [order] = await manager.query(
      `SELECT o.id, o.customer_id AS "customerId", o.status, trim(o.currency) AS currency, o.total, o.prices_include_tax AS "pricesIncludeTax",
              (SELECT min(h.at) FROM order_status_history h WHERE h.order_id = o.id AND h.status = 'DELIVERED') AS "deliveredAt"
         FROM orders o WHERE o.id = $1 FOR UPDATE`,
      [orderId],
    );
    if (!order) return null;
    const lines: OrderedLine[] = await manager.query(
      `SELECT product_id AS "productId", variant_id AS "variantId", quantity, unit_price AS "unitPrice", discount, tax
         FROM order_items WHERE order_id = $1 ORDER BY position`,
      [orderId],
    );
    return { ...order, lines };
  }

  /**
   * Moves a return from `from` to `to` (with what else changes); null when it is no longer `from`.
   * `fields`: rejection_reason, refund_amount, refunded_at.
   */
  async move(
    manager: EntityManager,
    id: string,
    from: ReturnStatusValue,
    to: ReturnStatusValue,
    fields: { rejectionReason?: string; refundAmount?: number; refunded?: boolean } = {},
  ): Promise<ReturnRow | null> {
    const rows = await updateReturning<{ id: string }>(
      manager,
      `UPDATE returns SET status = $3, updated_at = now(),
              rejection_reason = COALESCE($4, rejection_reason), refund_amount = COALESCE($5, refund_amount),
              refunded_at = CASE WHEN $6 THEN now() ELSE refunded_at END
        WHERE id = $1 AND status = $2 RETURNING id`,
      [id, from, to, fields.rejectionReason ?? null, fields.refundAmount ?? null, fields.refunded === true],
    );
    return rows.length ? this.findById(id, manager) : null;
  }

  /** Inventory put the goods back: remembered once. */
  async markRestocked(manager: EntityManager, id: string): Promise<boolean> {
    const rows = await updateReturning(manager, `UPDATE returns SET restocked_at = now(), updated_at = now() WHERE id = $1 AND restocked_at IS NULL RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** ADMIN list: newest first, optionally by status. `limit` rows after the cursor. */
  page(status: ReturnStatusValue | null, limit: number, after: ReturnCursor | null): Promise<ReturnRow[]> {
    const params: unknown[] = [status, limit];
    let keyset = '';
    if (after) {
      params.push(new Date(after.t), after.id);
      keyset = 'AND (r.created_at, r.id) < ($3, $4::uuid)';
    }
    return this.dataSource.query(
      `SELECT ${COLUMNS}, ${LINES} FROM returns r WHERE ($1::text IS NULL OR r.status = $1) ${keyset} ORDER BY r.created_at DESC, r.id DESC LIMIT $2`,
      params,
    );
  }

  async count(status: ReturnStatusValue | null): Promise<number> {
    const [{ n }] = await this.dataSource.query('SELECT count(*)::int AS n FROM returns WHERE ($1::text IS NULL OR status = $1)', [status]);
    return n;
  }
}
