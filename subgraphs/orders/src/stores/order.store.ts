import { In, type DataSource, type EntityManager } from 'typeorm';
import { OrderItemEntity } from '../entities/order-item.entity';
import { OrderStatusChangeEntity } from '../entities/order-status-change.entity';
import { OrderEntity } from '../entities/order.entity';
import type { CancellationReason, OrderStatus } from '../domain/order-saga';
import type { StepCommand } from '../domain/saga-clock';
import type { ShippingAddressFields } from '../domain/order-input';
import type { PricedLine } from '../domain/pricing';
import { isUuid, updateReturning } from './sql';

/** An entity from a raw row (column names as stored), converted as TypeORM would (dates, json). */
function hydrate<T>(manager: EntityManager, entity: new () => T, row: Record<string, unknown>): T {
  const metadata = manager.connection.getMetadata(entity);
  const driver = manager.connection.driver;
  const out = new entity() as Record<string, unknown>;
  for (const column of metadata.columns) {
    const value = row[column.databaseName];
    out[column.propertyName] = value === undefined ? undefined : driver.prepareHydratedValue(value, column);
  }
  return out as T;
}

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
  /** The id of the ReserveStock event enqueued with the order (its deadline counts from its sending). */
  stepCommandId: string;
}

/** A status change guarded by the version the decision was made on. */
export interface StatusChange {
  orderId: string;
  expectedVersion: number;
  status: OrderStatus;
  reason: CancellationReason | null;
  /** What the history row says (defaults to `reason`), e.g. which step timed out. */
  historyReason?: string | null;
  deadlineAt: Date | null;
  /** The id of the command the new step waits on (null when it waits on nothing). */
  stepCommandId: string | null;
  paymentCaptured: boolean;
  /** Forget the payment token (the saga has settled; it will never be needed again). */
  clearPaymentToken: boolean;
}

/** An order past its nominal deadline, locked, with what the sweeper needs to judge it. */
export interface OverdueOrder {
  order: OrderEntity;
  /** The step's command as the outbox knows it (rows still unsent are not returned at all). */
  command: StepCommand;
  /** The database's clock when the rows were read (outbox times are on that clock). */
  now: Date;
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
                           idempotency_key, input_hash, version, deadline_at, step_command_id, status_changed_at, created_at, updated_at)
       VALUES ($1, 'SG-' || lpad(nextval('order_number_seq')::text, 6, '0'), $2, 'PENDING', $3, $4, $5, $6::jsonb, $7,
               $8, $9, 1, $10, $12, $11, $11, $11)
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
        order.stepCommandId,
      ],
    );
    if (inserted.length === 0) return false;
    const values: unknown[] = [];
    const rows = order.lines.map((line, i) => {
      values.push(
        order.id,
        i,
        line.productId,
        line.productName,
        line.unitPrice,
        line.quantity,
        line.variantId,
        line.sku,
        line.variantTitle,
        JSON.stringify(line.variantOptions),
      );
      const p = i * 10;
      return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8}, $${p + 9}, $${p + 10}::jsonb)`;
    });
    await manager.query(
      `INSERT INTO order_items (order_id, position, product_id, product_name, unit_price, quantity, variant_id, sku, variant_title, variant_options) VALUES ${rows.join(', ')}`,
      values,
    );
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
    return manager
      .getRepository(OrderItemEntity)
      .find({ where: { orderId: In([...orderIds]) }, order: { orderId: 'ASC', position: 'ASC' } });
  }

  /** The status history of several orders, oldest first. */
  historyOf(orderIds: readonly string[]): Promise<OrderStatusChangeEntity[]> {
    if (orderIds.length === 0) return Promise.resolve([]);
    return this.dataSource
      .getRepository(OrderStatusChangeEntity)
      .find({ where: { orderId: In([...orderIds]) }, order: { orderId: 'ASC', version: 'ASC' } });
  }

  /**
   * The order and its lines (in line order) in one round trip, for the saga's handlers; null for
   * an unknown (or malformed) id.
   */
  async findWithItems(
    id: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ order: OrderEntity; items: OrderItemEntity[] } | null> {
    if (!isUuid(id)) return null;
    const [row]: Record<string, unknown>[] = await manager.query(
      `SELECT o.*, COALESCE((SELECT json_agg(i ORDER BY i.position) FROM order_items i WHERE i.order_id = o.id), '[]'::json) AS "__items"
         FROM orders o WHERE o.id = $1`,
      [id],
    );
    if (!row) return null;
    const items = (row.__items as Record<string, unknown>[]).map((i) => hydrate(manager, OrderItemEntity, i));
    return { order: hydrate(manager, OrderEntity, row), items };
  }

  /**
   * Applies a status change if the order is still at `expectedVersion`: version + 1, history row,
   * in one statement. Returns the updated order, or null when another writer got there first (the
   * caller retries).
   */
  async changeStatus(manager: EntityManager, change: StatusChange, now: Date): Promise<OrderEntity | null> {
    const [row]: Record<string, unknown>[] = await manager.query(
      `WITH changed AS (
         UPDATE orders SET status = $3, cancellation_reason = $4, deadline_at = $5, payment_captured = payment_captured OR $6,
                payment_token = CASE WHEN $7 THEN NULL ELSE payment_token END,
                version = version + 1, status_changed_at = $8, updated_at = $8, step_command_id = $9
          WHERE id = $1 AND version = $2
          RETURNING *
       ), history AS (
         INSERT INTO order_status_history (order_id, version, status, reason, at) SELECT id, version, status, $10, $8 FROM changed
       )
       SELECT * FROM changed`,
      [
        change.orderId,
        change.expectedVersion,
        change.status,
        change.reason,
        change.deadlineAt,
        change.paymentCaptured,
        change.clearPaymentToken,
        now,
        change.stepCommandId,
        change.historyReason ?? change.reason,
      ],
    );
    return row ? hydrate(manager, OrderEntity, row) : null;
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
   * Locks up to `limit` orders waiting on a step whose nominal deadline has passed and whose
   * command has left (or whose command row is unknown), skipping rows another replica's sweep (or
   * an event handler) holds; the caller decides their fate in the same transaction. Orders whose
   * command is still unsent are not returned: their step has not started (saga-clock.ts).
   */
  async lockOverdue(manager: EntityManager, limit: number): Promise<OverdueOrder[]> {
    const rows: { id: string; known: boolean; sent_at: Date | null; now: Date }[] = await manager.query(
      `SELECT o.id, c.id IS NOT NULL AS known, c.sent_at, now() AS now
         FROM orders o LEFT JOIN outbox c ON c.id = o.step_command_id
        WHERE o.deadline_at <= now() AND o.status IN ('PENDING', 'AWAITING_PAYMENT')
          AND (c.id IS NULL OR c.sent_at IS NOT NULL)
        ORDER BY o.deadline_at
        LIMIT $1
          FOR UPDATE OF o SKIP LOCKED`,
      [limit],
    );
    const orders = new Map(
      (
        await this.findByIds(
          rows.map((r) => r.id),
          manager,
        )
      ).map((o) => [o.id, o]),
    );
    return rows.map((r) => ({
      order: orders.get(r.id)!,
      command: r.known ? { kind: 'row', sentAt: r.sent_at } : { kind: 'unknown' },
      now: r.now,
    }));
  }

  /** Sets the exact deadline of a locked order's step (once its command is known to have left). */
  async moveDeadline(manager: EntityManager, orderId: string, deadlineAt: Date): Promise<void> {
    await manager.query('UPDATE orders SET deadline_at = $2 WHERE id = $1', [orderId, deadlineAt]);
  }

  /** Age in ms of the oldest outbox row not yet published, on the database's clock (0 when none). */
  async oldestUnsentMs(): Promise<number> {
    const [row]: { ms: number | null }[] = await this.dataSource.query(
      'SELECT (EXTRACT(EPOCH FROM now() - created_at) * 1000)::float8 AS ms FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT 1',
    );
    return Math.max(0, row?.ms ?? 0);
  }

  /** One page in (created_at desc, id desc) order; `first + 1` rows so the caller can tell a next page. */
  page(filter: OrderFilterArgs, first: number, after: OrderCursor | null): Promise<OrderEntity[]> {
    const q = this.dataSource.getRepository(OrderEntity).createQueryBuilder('o');
    this.applyFilter(q, filter);
    if (after) q.andWhere('(o.created_at, o.id) < (:t, :id)', { t: new Date(after.t), id: after.id });
    return q
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(first + 1)
      .getMany();
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
    // One snapshot for the page and the count: an order moved to a customer between two separate
    // reads (a guest's orders linked on EmailVerified) was counted and not listed.
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const ranked: { id: string }[] = await manager.query(
        `SELECT id FROM (
         SELECT id, customer_id, created_at,
                row_number() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) AS rn
           FROM orders
          WHERE customer_id = ANY($1::text[]) AND ($2::timestamptz IS NULL OR (created_at, id) < ($2::timestamptz, $3::uuid))
       ) ranked WHERE rn <= $4`,
        [ids, after ? new Date(after.t) : null, after?.id ?? null, first + 1],
      );
      const orders = await this.findByIds(
        ranked.map((r) => r.id),
        manager,
      );
      orders.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      const rows = new Map<string, OrderEntity[]>(ids.map((id) => [id, []]));
      for (const o of orders) rows.get(o.customerId)?.push(o);
      const countRows: { customer_id: string; n: number }[] = await manager.query(
        'SELECT customer_id, count(*)::int AS n FROM orders WHERE customer_id = ANY($1::text[]) GROUP BY customer_id',
        [ids],
      );
      return { rows, counts: new Map(countRows.map((r) => [r.customer_id, r.n])) };
    });
  }

  private applyFilter(q: ReturnType<ReturnType<DataSource['getRepository']>['createQueryBuilder']>, filter: OrderFilterArgs): void {
    q.where('true');
    if (filter.status) q.andWhere('o.status = :status', { status: filter.status });
    if (filter.customerId) q.andWhere('o.customer_id = :customerId', { customerId: filter.customerId });
  }

  private async addHistory(
    manager: EntityManager,
    orderId: string,
    version: number,
    status: OrderStatus,
    reason: string | null,
    at: Date,
  ): Promise<void> {
    await manager.query('INSERT INTO order_status_history (order_id, version, status, reason, at) VALUES ($1, $2, $3, $4, $5)', [
      orderId,
      version,
      status,
      reason,
      at,
    ]);
  }
}
