import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventOrigin } from '@shopgraph/events';
import { money, requireAdmin, UserError, UserErrorCode, type RequestContext, isUuid } from '@shopgraph/kit';
import { validateMethodInput, type MethodFields, type MethodInput } from '../domain/method-input';
import { returned } from '../stores/sql';
import { ShippingMethod, ShippingMethodPayload } from '../types/shipping.types';

export const SOURCE = 'shipping';

/** A shipping_method row as read. */
export interface MethodRow {
  id: string;
  revision: number;
  name: string;
  carrier: string | null;
  description: string | null;
  countries: string[];
  price: number;
  currency: string;
  free_over: number | null;
  min_delivery_days: number | null;
  max_delivery_days: number | null;
  active: boolean;
}

const COLUMNS =
  'id, revision, name, carrier, description, countries, price, currency, free_over, min_delivery_days, max_delivery_days, active';

export function toMethod(row: MethodRow): ShippingMethod {
  return Object.assign(new ShippingMethod(), {
    id: row.id,
    name: row.name,
    carrier: row.carrier,
    description: row.description,
    countries: row.countries,
    price: money(row.price, row.currency),
    freeOver: row.free_over === null ? null : money(row.free_over, row.currency),
    minDeliveryDays: row.min_delivery_days,
    maxDeliveryDays: row.max_delivery_days,
    active: row.active,
  });
}

/** The ShippingMethodChanged event of a method row as it is after a change (key: the method id). */
export function methodChanged(row: MethodRow, origin: EventOrigin) {
  return createEvent(
    'ShippingMethodChanged',
    row.id,
    {
      methodId: row.id,
      revision: row.revision,
      name: row.name,
      carrier: row.carrier,
      description: row.description,
      countries: row.countries,
      price: { amount: row.price, currency: row.currency },
      freeOver: row.free_over === null ? null : { amount: row.free_over, currency: row.currency },
      minDeliveryDays: row.min_delivery_days,
      maxDeliveryDays: row.max_delivery_days,
      active: row.active,
    },
    origin,
  );
}

const notFound = () => UserError.of(UserErrorCode.NOT_FOUND, 'No shipping method has this id', ['id']);

/**
 * Shipping methods: public reads of the active ones, admin create / replace / archive. Every
 * change writes the row and its ShippingMethodChanged (the full method, revision + 1) to the
 * outbox in one transaction, so orders' replica never misses one nor sees one that did not happen.
 */
export class MethodService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly defaultCurrency: string,
  ) {}

  /** Active methods (every method with includeInactive, ADMIN only), cheapest first, then by name. */
  async list(ctx: RequestContext, includeInactive: boolean): Promise<ShippingMethod[]> {
    if (includeInactive) requireAdmin(ctx);
    const rows: MethodRow[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM shipping_method ${includeInactive ? '' : 'WHERE active'} ORDER BY active DESC, price, name, id`,
    );
    return rows.map(toMethod);
  }

  /** Methods by id (entity references), in the order asked; null for an unknown id. */
  async byIds(ids: readonly string[]): Promise<(ShippingMethod | null)[]> {
    const valid = ids.filter((id) => isUuid(id));
    const rows: MethodRow[] = valid.length
      ? await this.dataSource.query(`SELECT ${COLUMNS} FROM shipping_method WHERE id = ANY($1::uuid[])`, [valid])
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => {
      const row = byId.get(id.toLowerCase());
      return row ? toMethod(row) : null;
    });
  }

  async create(ctx: RequestContext, input: MethodInput): Promise<ShippingMethodPayload> {
    requireAdmin(ctx);
    const checked = validateMethodInput(input, this.defaultCurrency);
    if ('errors' in checked) return ShippingMethodPayload.failed(...checked.errors);
    const row = await this.dataSource.transaction((manager) =>
      this.insert(manager, randomUUID(), checked.fields, { source: SOURCE, correlationId: ctx.requestId }),
    );
    return ShippingMethodPayload.of(toMethod(row!));
  }

  /** Replaces every field of an active method (revision + 1); an archived method is CONFLICT. */
  async update(ctx: RequestContext, id: string, input: MethodInput): Promise<ShippingMethodPayload> {
    requireAdmin(ctx);
    if (!isUuid(id)) return ShippingMethodPayload.failed(notFound());
    const checked = validateMethodInput(input, this.defaultCurrency);
    if ('errors' in checked) return ShippingMethodPayload.failed(...checked.errors);
    const f = checked.fields;
    return this.dataSource.transaction(async (manager) => {
      const rows = returned<MethodRow>(
        await manager.query(
          `UPDATE shipping_method SET revision = revision + 1, name = $2, carrier = $3, description = $4, countries = $5, price = $6, currency = $7,
           free_over = $8, min_delivery_days = $9, max_delivery_days = $10, updated_at = now()
         WHERE id = $1 AND active RETURNING ${COLUMNS}`,
          [id, f.name, f.carrier, f.description, f.countries, f.price, f.currency, f.freeOver, f.minDeliveryDays, f.maxDeliveryDays],
        ),
      );
      if (!rows.length) return ShippingMethodPayload.failed(await this.whyNot(manager, id));
      await enqueueEvents(manager, [methodChanged(rows[0], { source: SOURCE, correlationId: ctx.requestId })]);
      return ShippingMethodPayload.of(toMethod(rows[0]));
    });
  }

  /** Archives a method (active = false, revision + 1): offered no more, kept for old orders. Archiving it again changes nothing. */
  async archive(ctx: RequestContext, id: string): Promise<ShippingMethodPayload> {
    requireAdmin(ctx);
    if (!isUuid(id)) return ShippingMethodPayload.failed(notFound());
    return this.dataSource.transaction(async (manager) => {
      const rows = returned<MethodRow>(
        await manager.query(
          `UPDATE shipping_method SET revision = revision + 1, active = false, updated_at = now() WHERE id = $1 AND active RETURNING ${COLUMNS}`,
          [id],
        ),
      );
      if (rows.length) {
        await enqueueEvents(manager, [methodChanged(rows[0], { source: SOURCE, correlationId: ctx.requestId })]);
        return ShippingMethodPayload.of(toMethod(rows[0]));
      }
      const [existing]: MethodRow[] = await manager.query(`SELECT ${COLUMNS} FROM shipping_method WHERE id = $1`, [id]);
      return existing ? ShippingMethodPayload.of(toMethod(existing)) : ShippingMethodPayload.failed(notFound());
    });
  }

  /**
   * Inserts a method with a given id (the seed's stable ids) and its event, inside the caller's
   * transaction; returns null when that id exists already (left as it is).
   */
  async insert(manager: EntityManager, id: string, f: MethodFields, origin: EventOrigin): Promise<MethodRow | null> {
    const rows: MethodRow[] = await manager.query(
      `INSERT INTO shipping_method (id, name, carrier, description, countries, price, currency, free_over, min_delivery_days, max_delivery_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING ${COLUMNS}`,
      [id, f.name, f.carrier, f.description, f.countries, f.price, f.currency, f.freeOver, f.minDeliveryDays, f.maxDeliveryDays],
    );
    if (!rows.length) return null;
    await enqueueEvents(manager, [methodChanged(rows[0], origin)]);
    return rows[0];
  }

  private async whyNot(manager: EntityManager, id: string): Promise<UserError> {
    const [row]: { active: boolean }[] = await manager.query('SELECT active FROM shipping_method WHERE id = $1', [id]);
    if (!row) return notFound();
    return UserError.of(UserErrorCode.CONFLICT, 'This shipping method is archived; create a new one instead', ['id']);
  }
}
