import { In, type DataSource, type EntityManager } from 'typeorm';
import { OrderItemEntity } from '../entities/order-item.entity';
import { OrderStatusChangeEntity } from '../entities/order-status-change.entity';
import { OrderEntity } from '../entities/order.entity';
import type { CancellationReason, OrderStatus } from '../services/order-saga';
import type { ShippingAddressFields } from '../services/order-input';
import type { PricedLine } from '../services/pricing';
import { isUuid, updateReturning } from './sql';

/** A new order as placeOrder builds it. */
export interface NewOrder {
  id: string;
  customerId: string;
  idempotencyKey: string;
  inputHash: string;
  currency: string;
  subtotal: number;
  total: number;
  shippingAddress: ShippingAddressFields;
  paymentToken: string;
  lines: PricedLine[];
  deadlineAt: Date;
}

/** A status change guarded by the version the decision was made on. */
export interface StatusChange {
  orderId: string;
  expectedVersion: number;
  status: OrderStatus;
  reason: CancellationReason | null;
  deadlineAt: Date | null;
  paymentCaptured: boolean;
  /** Forget the payment token (the saga has settled; it will never be needed again). */
  clearPaymentToken: boolean;
}

/** Position in the keyset order (created_at desc, id desc). */
export interface OrderCursor {
  t: number;
  id: string;
}

export interface OrderFilterArgs {
  status?: OrderStatus | null;
  customerId?: string | null;
}

/** Persistence of orders, their lines and status history. Saga writes are single conditional statements. */
export class OrderStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts the order PENDING at version 1 with its lines and first history row, unless this
   * customer already used the idempotency key (a concurrent duplicate waits for the first one's
   * commit, then inserts nothing). Returns whether this call created it.
   */
  async insert(manager: EntityManager, order: NewOrder, now: Date): Promise<boolean> {
    const inserted: unknown[] = await manager.query(
      `INSERT INTO orders (id, number, customer_id, status, currency, subtotal, total, shipping_address, payment_token,
                           idempotency_key, input_hash, version, deadline_at, status_changed_at, created_at, updated_at)
       VALUES ($1, 'SG-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, 'PENDING', $3, $4, $5, $6::jsonb, $7,
               $8, $9, 1, $10, $11, $11, $11)
       ON CONFLICT (customer_id, idempotency_key) DO NOTHING
       RETURNING id`,
      [
        order.id,
        order.customerId,
        order.currency,
        order.subtotal,
        order.total,
        JSON.stringify(order.shippingAddress),
        order.paymentToken,
        order.idempotencyKey,
        order.inputHash,
        order.deadlineAt,
        now,
      ],
    );
    if (inserted.length === 0) return false;
    const values: unknown[] = [];
    const rows = order.lines.map((line, i) => {
      values.push(order.id, i, line.productId, line.productName, line.unitPrice, line.quantity);
      const p = i * 6;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`;
    });
    await manager.query(`INSERT INTO order_items (order_id, position, product_id, product_name, unit_price, quantity) VALUES ${rows.join(', ')}`, values);
    await this.addHistory(manager, order.id, 1, 'PENDING', null, now);
    return true;
  }

  /** The order this customer placed with this idempotency key, if any. */
  findByIdempotencyKey(manager: EntityManager, customerId: string, idempotencyKey: string): Promise<OrderEntity | null> {
    return manager.getRepository(OrderEntity).findOneBy({ customerId, idempotencyKey });
  }

  /** Orders by id; malformed ids match nothing. */
  async findByIds(ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<OrderEntity[]> {
    const valid = [...new Set(ids.filter(isUuid))];
    if (valid.length === 0) return [];
    return manager.getRepository(OrderEntity).findBy({ id: In(valid) });
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<OrderEntity | null> {
    return (await this.findByIds([id], manager))[0] ?? null;
  }

  /** The lines of several orders, in line order. */
  itemsOf(orderIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<OrderItemEntity[]> {
    if (orderIds.length === 0) return Promise.resolve([]);
    return manager.getRepository(OrderItemEntity).find({ where: { orderId: In([...orderIds]) }, order: { orderId: 'ASC', position: 'ASC' } });
  }

  /** The status history of several orders, oldest first. */
  historyOf(orderIds: readonly string[]): Promise<OrderStatusChangeEntity[]> {
    if (orderIds.length === 0) return Promise.resolve([]);
    return this.dataSource.getRepository(OrderStatusChangeEntity).find({ where: { orderId: In([...orderIds]) }, order: { orderId: 'ASC', version: 'ASC' } });
  }

  /**
   * Applies a status change if the order is still at `expectedVersion`: version + 1, history row.
   * Returns the updated order, or null when another writer got there first (the caller retries).
   */
  async changeStatus(manager: EntityManager, change: StatusChange, now: Date): Promise<OrderEntity | null> {
    const [row] = await updateReturning<{ id: string }>(
      manager,
      `UPDATE orders SET status = $3, cancellation_reason = $4, deadline_at = $5, payment_captured = payment_captured OR $6,
              payment_token = CASE WHEN $7 THEN NULL ELSE payment_token END,
              version = version + 1, status_changed_at = $8, updated_at = $8
        WHERE id = $1 AND version = $2
        RETURNING id`,
      [change.orderId, change.expectedVersion, change.status, change.reason, change.deadlineAt, change.paymentCaptured, change.clearPaymentToken, now],
    );
    if (!row) return null;
    await this.addHistory(manager, change.orderId, change.expectedVersion + 1, change.status, change.reason, now);
    return this.findById(change.orderId, manager);
  }

  /** Records a capture without a status change (a late capture on a cancelled order); false on a version race. */
  async markPaymentCaptured(manager: EntityManager, orderId: string, expectedVersion: number, now: Date): Promise<boolean> {
    const rows = await updateReturning(
      manager,
      'UPDATE orders SET payment_captured = true, updated_at = $3 WHERE id = $1 AND version = $2 RETURNING id',
      [orderId, expectedVersion, now],
    );
    return rows.length > 0;
  }

  /**
   * Locks up to `limit` orders whose deadline has passed, skipping rows another replica's sweep
   * (or an event handler) holds; the caller decides their fate in the same transaction.
   */
  lockOverdue(manager: EntityManager, limit: number): Promise<OrderEntity[]> {
    return manager
      .getRepository(OrderEntity)
      .createQueryBuilder('o')
      .where('o.deadline_at <= now()')
      .andWhere("o.status IN ('PENDING', 'AWAITING_PAYMENT')")
      .orderBy('o.deadline_at', 'ASC')
      .limit(limit)
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .getMany();
  }

  /** One page in (created_at desc, id desc) order; `first + 1` rows so the caller can tell a next page. */
  page(filter: OrderFilterArgs, first: number, after: OrderCursor | null): Promise<OrderEntity[]> {
    const q = this.dataSource.getRepository(OrderEntity).createQueryBuilder('o');
    this.applyFilter(q, filter);
    if (after) q.andWhere('(o.created_at, o.id) < (:t, :id)', { t: new Date(after.t), id: after.id });
    return q.orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'DESC').limit(first + 1).getMany();
  }

  /** How many orders match the filter. */
  count(filter: OrderFilterArgs): Promise<number> {
    const q = this.dataSource.getRepository(OrderEntity).createQueryBuilder('o');
    this.applyFilter(q, filter);
    return q.getCount();
  }

  /**
   * The same page (`first + 1` rows after `after`) of several customers' orders in one query,
   * with each customer's total count: User.orders batched per request.
   */
  async pagesOfCustomers(
    customerIds: readonly string[],
    first: number,
    after: OrderCursor | null,
  ): Promise<{ rows: Map<string, OrderEntity[]>; counts: Map<string, number> }> {
    const ids = [...new Set(customerIds)];
    const ranked: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM (
         SELECT id, customer_id, created_at,
                row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) AS rn
           FROM orders
          WHERE customer_id = ANY($1::text[]) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ) ranked WHERE rn <= $4`,
      [ids, after ? new Date(after.t) : null, after?.id ?? null, first + 1],
    );
    const orders = await this.findByIds(ranked.map((r) => r.id));
    orders.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const rows = new Map<string, OrderEntity[]>(ids.map((id) => [id, []]));
    for (const o of orders) rows.get(o.customerId)?.push(o);
    const countRows: { customer_id: string; n: number }[] = await this.dataSource.query(
      'SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id = ANY($1::text[]) GROUP BY customer_id',
      [ids],
    );
    return { rows, counts: new Map(countRows.map((r) => [r.customer_id, r.n])) };
  }

  private applyFilter(q: ReturnType<ReturnType<DataSource['getRepository']>['createQueryBuilder']>, filter: OrderFilterArgs): void {
    q.where('true');
    if (filter.status) q.andWhere('o.status = :status', { status: filter.status });
    if (filter.customerId) q.andWhere('o.customer_id = :customerId', { customerId: filter.customerId });
  }

  private async addHistory(manager: EntityManager, orderId: string, version: number, status: OrderStatus, reason: string | null, at: Date): Promise<void> {
    await manager.query('INSERT INTO order_status_history (order_id, version, status, reason, at) VALUES ($1, $2, $3, $4, $5)', [
      orderId,
      version,
      status,
      reason,
      at,
    ]);
  }
}
