import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import { requireAdmin, UserError, UserErrorCode, type RequestContext, isUuid } from '@shopgraph/kit';
import {
  canMove,
  planShipment,
  remainingLines,
  type OrderLine,
  type PlannedLine,
  type RequestedLine,
  type ShipmentStatusValue,
} from '../domain/shipment-plan';
import { orderRef, productRef, Shipment, ShipmentPayload, ShipmentStatus } from '../types/shipping.types';
import { returned } from '../stores/sql';
import { SOURCE } from './method.service';

const CONTROL = /[\u0000-\u001f\u007f]/;

interface ShipmentRow {
  id: string;
  order_id: string;
  carrier: string;
  tracking_number: string | null;
  tracking_url: string | null;
  status: ShipmentStatusValue;
  shipped_at: Date;
  delivered_at: Date | null;
}
interface LineRow {
  shipment_id: string;
  product_id: string;
  variant_id: string;
  quantity: number;
}
interface ReplicaRow {
  order_id: string;
  status: string;
  lines: OrderLine[];
}

const SHIPMENT_COLUMNS = 'id, order_id, carrier, tracking_number, tracking_url, status, shipped_at, delivered_at';

export interface NewShipment {
  orderId: string;
  lines?: RequestedLine[] | null;
  carrier: string;
  trackingNumber?: string | null;
  trackingUrl?: string | null;
}

function toShipment(row: ShipmentRow, lines: LineRow[]): Shipment {
  return Object.assign(new Shipment(), {
    id: row.id,
    order: orderRef(row.order_id),
    lines: lines.map((l) => ({ product: productRef(l.product_id), quantity: l.quantity })),
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    trackingUrl: row.tracking_url,
    status: row.status as ShipmentStatus,
    shippedAt: row.shipped_at,
    deliveredAt: row.delivered_at,
  });
}

const invalid = (message: string, ...field: string[]) => UserError.of(UserErrorCode.INVALID_INPUT, message, ['input', ...field]);

function checkText(value: string | null | undefined, field: string, max: number, errors: UserError[], required = false): string | null {
  const trimmed = (value ?? '').trim();
  if (!trimmed) {
    if (required) errors.push(invalid(`${field} must not be empty`, field));
    return null;
  }
  if (trimmed.length > max) errors.push(invalid(`${field} must be at most ${max} characters`, field));
  else if (CONTROL.test(trimmed)) errors.push(invalid(`${field} must not contain control characters`, field));
  return trimmed;
}

function checkUrl(value: string | null, errors: UserError[]): void {
  if (value === null) return;
  try {
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      errors.push(invalid('trackingUrl must be an http or https URL', 'trackingUrl'));
  } catch {
    errors.push(invalid('trackingUrl must be an http or https URL', 'trackingUrl'));
  }
}

/**
 * Shipments (parcels) of orders, checked against the replica of orders.v1: a shipment holds some
 * or all of a CONFIRMED order's unshipped lines, never more than was ordered. The order's replica
 * row is locked (FOR UPDATE) while a shipment is planned and written, so two admins shipping the
 * same order at once cannot ship a unit twice. Each change and its shipping.v1 event commit together.
 */
export class ShipmentService {
  constructor(private readonly dataSource: DataSource) {}

  async create(ctx: RequestContext, input: NewShipment): Promise<ShipmentPayload> {
    requireAdmin(ctx);
    const errors: UserError[] = [];
    const carrier = checkText(input.carrier, 'carrier', 100, errors, true);
    const trackingNumber = checkText(input.trackingNumber, 'trackingNumber', 100, errors);
    const trackingUrl = checkText(input.trackingUrl, 'trackingUrl', 2000, errors);
    checkUrl(trackingUrl, errors);
    if (errors.length) return ShipmentPayload.failed(...errors);
    return this.dataSource.transaction(async (manager) => {
      const result = await this.createIn(manager, input.orderId, input.lines ?? null, carrier!, trackingNumber, trackingUrl, {
        source: SOURCE,
        correlationId: ctx.requestId,
      });
      if ('error' in result) return ShipmentPayload.failed(result.error);
      return ShipmentPayload.of(result.shipment);
    });
  }

  /** Writes a shipment inside the caller's transaction (the admin mutation, or a whole-order shipment for markOrderShipped). */
  async createIn(
    manager: EntityManager,
    orderId: string,
    requested: RequestedLine[] | null,
    carrier: string,
    trackingNumber: string | null,
    trackingUrl: string | null,
    origin: EventOrigin,
    allowedStatuses: string[] = ['CONFIRMED'],
  ): Promise<{ shipment: Shipment } | { error: UserError }> {
    const [order]: ReplicaRow[] = await manager.query('SELECT order_id, status, lines FROM order_replica WHERE order_id = $1 FOR UPDATE', [
      orderId,
    ]);
    if (!order)
      return {
        error: UserError.of(UserErrorCode.NOT_FOUND, 'No order has this id (or it has not reached shipping yet)', ['input', 'orderId']),
      };
    if (!allowedStatuses.includes(order.status)) {
      return {
        error: UserError.of(UserErrorCode.CONFLICT, `Only a CONFIRMED order can ship; this one is ${order.status}`, ['input', 'orderId']),
      };
    }
    const shipped = await this.shippedLines(manager, orderId);
    const plan = planShipment(remainingLines(order.lines, shipped), requested);
    if ('error' in plan) {
      const e = plan.error;
      return e.kind === 'NOTHING_LEFT'
        ? { error: UserError.of(UserErrorCode.CONFLICT, e.message, ['input', 'lines']) }
        : {
            error: UserError.of(
              UserErrorCode.INVALID_INPUT,
              e.message,
              e.index === null ? ['input', 'lines'] : ['input', 'lines', String(e.index)],
            ),
          };
    }
    const id = randomUUID();
    const [row]: ShipmentRow[] = await manager.query(
      `INSERT INTO shipment (id, order_id, carrier, tracking_number, tracking_url, status) VALUES ($1, $2, $3, $4, $5, 'SHIPPED') RETURNING ${SHIPMENT_COLUMNS}`,
      [id, orderId, carrier, trackingNumber, trackingUrl],
    );
    await manager.query(
      `INSERT INTO shipment_line (shipment_id, product_id, variant_id, quantity) SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[])`,
      [id, plan.lines.map((l) => l.productId), plan.lines.map((l) => l.variantId), plan.lines.map((l) => l.quantity)],
    );
    const lines = plan.lines.map((l) => ({ shipment_id: id, product_id: l.productId, variant_id: l.variantId, quantity: l.quantity }));
    const event = await this.event('ShipmentCreated', manager, order, row, lines, origin);
    await enqueueEvents(manager, [event]);
    return { shipment: toShipment(row, lines) };
  }

  /** Moves a shipment on (SHIPPED → IN_TRANSIT → DELIVERED, or back to the sender before delivery); the same status again changes nothing. */
  async updateStatus(ctx: RequestContext, id: string, status: ShipmentStatusValue): Promise<ShipmentPayload> {
    requireAdmin(ctx);
    if (!isUuid(id)) return ShipmentPayload.failed(UserError.of(UserErrorCode.NOT_FOUND, 'No shipment has this id', ['id']));
    return this.dataSource.transaction(async (manager) => {
      const result = await this.moveIn(manager, id, status, { source: SOURCE, correlationId: ctx.requestId });
      return 'error' in result ? ShipmentPayload.failed(result.error) : ShipmentPayload.of(result.shipment);
    });
  }

  async moveIn(
    manager: EntityManager,
    id: string,
    status: ShipmentStatusValue,
    origin: EventOrigin,
  ): Promise<{ shipment: Shipment } | { error: UserError }> {
    const [current]: ShipmentRow[] = await manager.query(`SELECT ${SHIPMENT_COLUMNS} FROM shipment WHERE id = $1`, [id]);
    if (!current) return { error: UserError.of(UserErrorCode.NOT_FOUND, 'No shipment has this id', ['id']) };
    // The order's row first (the lock order of createIn), then the shipment's.
    const [order]: ReplicaRow[] = await manager.query('SELECT order_id, status, lines FROM order_replica WHERE order_id = $1 FOR UPDATE', [
      current.order_id,
    ]);
    const [row]: ShipmentRow[] = await manager.query(`SELECT ${SHIPMENT_COLUMNS} FROM shipment WHERE id = $1 FOR UPDATE`, [id]);
    const lines: LineRow[] = await manager.query(
      'SELECT shipment_id, product_id, variant_id, quantity FROM shipment_line WHERE shipment_id = $1 ORDER BY product_id, variant_id',
      [id],
    );
    if (row.status === status) return { shipment: toShipment(row, lines) };
    if (!canMove(row.status, status)) {
      return { error: UserError.of(UserErrorCode.CONFLICT, `A shipment that is ${row.status} cannot become ${status}`, ['status']) };
    }
    const [moved] = returned<ShipmentRow>(
      await manager.query(
        `UPDATE shipment SET status = $2::text, delivered_at = CASE WHEN $2::text = 'DELIVERED' THEN now() ELSE delivered_at END, updated_at = now() WHERE id = $1 RETURNING ${SHIPMENT_COLUMNS}`,
        [id, status],
      ),
    );
    const event = await this.event(
      'ShipmentStatusChanged',
      manager,
      order ?? { order_id: row.order_id, status: 'UNKNOWN', lines: [] },
      moved,
      lines,
      origin,
      row.status,
    );
    await enqueueEvents(manager, [event]);
    return { shipment: toShipment(moved, lines) };
  }

  /** Every shipment of these orders (oldest first), by order id: Order.shipments. */
  async forOrders(orderIds: readonly string[]): Promise<Shipment[][]> {
    const rows: ShipmentRow[] = await this.dataSource.query(
      `SELECT ${SHIPMENT_COLUMNS} FROM shipment WHERE order_id = ANY($1::text[]) ORDER BY shipped_at, id`,
      [orderIds],
    );
    const lines = await this.linesOf(
      this.dataSource.manager,
      rows.map((r) => r.id),
    );
    return orderIds.map((orderId) => rows.filter((r) => r.order_id === orderId).map((r) => toShipment(r, lines.get(r.id) ?? [])));
  }

  /** Shipments by id (entity references). */
  async byIds(ids: readonly string[]): Promise<(Shipment | null)[]> {
    const valid = ids.filter((id) => isUuid(id));
    const rows: ShipmentRow[] = valid.length
      ? await this.dataSource.query(`SELECT ${SHIPMENT_COLUMNS} FROM shipment WHERE id = ANY($1::uuid[])`, [valid])
      : [];
    const lines = await this.linesOf(
      this.dataSource.manager,
      rows.map((r) => r.id),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id.toLowerCase());
      return row ? toShipment(row, lines.get(row.id) ?? []) : null;
    });
  }

  /** The shipment ids of an order that are not delivered (for markOrderDelivered). */
  async undelivered(manager: EntityManager, orderId: string): Promise<string[]> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM shipment WHERE order_id = $1 AND status IN ('SHIPPED', 'IN_TRANSIT') ORDER BY shipped_at, id`,
      [orderId],
    );
    return rows.map((r) => r.id);
  }

  private async linesOf(manager: EntityManager, shipmentIds: string[]): Promise<Map<string, LineRow[]>> {
    const out = new Map<string, LineRow[]>();
    if (!shipmentIds.length) return out;
    const rows: LineRow[] = await manager.query(
      'SELECT shipment_id, product_id, variant_id, quantity FROM shipment_line WHERE shipment_id = ANY($1::uuid[]) ORDER BY product_id, variant_id',
      [shipmentIds],
    );
    for (const row of rows) out.set(row.shipment_id, [...(out.get(row.shipment_id) ?? []), row]);
    return out;
  }

  private async shippedLines(manager: EntityManager, orderId: string): Promise<PlannedLine[]> {
    // A parcel returned to the sender still counts as shipped: shipping it again is a new decision, not a quantity check.
    const rows: LineRow[] = await manager.query(
      'SELECT l.product_id, l.variant_id, l.quantity FROM shipment_line l JOIN shipment s ON s.id = l.shipment_id WHERE s.order_id = $1',
      [orderId],
    );
    return rows.map((r) => ({ productId: r.product_id, variantId: r.variant_id, quantity: r.quantity }));
  }

  /** The event of a shipment after a change, with what the whole order has reached (every line shipped; and every shipment delivered). */
  private async event<T extends 'ShipmentCreated' | 'ShipmentStatusChanged'>(
    type: T,
    manager: EntityManager,
    order: ReplicaRow,
    row: ShipmentRow,
    lines: LineRow[],
    origin: EventOrigin,
    previousStatus?: ShipmentStatusValue,
  ): Promise<EventEnvelope<T>> {
    const fullyShipped = order.lines.length > 0 && remainingLines(order.lines, await this.shippedLines(manager, row.order_id)).length === 0;
    const [{ open }]: { open: number }[] = await manager.query(
      `SELECT count(*)::int AS open FROM shipment WHERE order_id = $1 AND status <> 'DELIVERED'`,
      [row.order_id],
    );
    const payload = {
      shipmentId: row.id,
      orderId: row.order_id,
      lines: lines.map((l) =>
        l.variant_id === l.product_id
          ? { productId: l.product_id, quantity: l.quantity }
          : { productId: l.product_id, variantId: l.variant_id, quantity: l.quantity },
      ),
      carrier: row.carrier,
      trackingNumber: row.tracking_number,
      trackingUrl: row.tracking_url,
      status: row.status,
      at: new Date().toISOString(),
      orderFullyShipped: fullyShipped,
      orderFullyDelivered: fullyShipped && open === 0,
      ...(previousStatus ? { previousStatus } : {}),
    };
    return createEvent(type, row.order_id, payload as never, origin) as EventEnvelope<T>;
  }
}
