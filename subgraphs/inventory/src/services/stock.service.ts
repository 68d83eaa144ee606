import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import { connectionFrom, pageSize, requireAdmin, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { StockRow } from '../types/stock-level.type';
import type { StockStore } from '../stores/stock.store';
import { toProduct, type ProductConnection } from '../types/product.type';
import { StockPayload } from '../types/stock-payload.type';
import { checkThreshold, decodeLowStockCursor, encodeLowStockCursor } from './low-stock.cursor';
import { isProductId, MAX_ON_HAND, validateAdjustment, validateOnHand } from './stock.validator';

export const SOURCE = 'inventory';

/** A StockChanged event for a row as it is after a change. */
export function stockChanged(row: StockRow, reason: string, origin: EventOrigin): EventEnvelope<'StockChanged'> {
  return createEvent('StockChanged', row.productId, { productId: row.productId, onHand: row.onHand, reserved: row.reserved, reason }, origin);
}

const notFound = () => UserError.of(UserErrorCode.NOT_FOUND, 'This product has no stock record', ['productId']);

/**
 * Stock levels: admin changes (each one conditional UPDATE + audit row + StockChanged through the
 * outbox, in one transaction), the lowStock report, and stock records for new products.
 */
export class StockService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockStore,
  ) {}

  /** Sets a product's on-hand quantity (ADMIN). It cannot go below what orders hold, nor create a record. */
  async setStock(ctx: RequestContext, productId: string, onHand: number): Promise<StockPayload> {
    const admin = requireAdmin(ctx);
    const errors = validateOnHand(onHand);
    if (errors.length) return StockPayload.failed(...errors);
    if (!isProductId(productId)) return StockPayload.failed(notFound());
    return this.dataSource.transaction(async (manager) => {
      const changed = await this.stock.setOnHand(manager, productId, onHand);
      if (!changed) return StockPayload.failed(await this.whyNot(manager, productId, onHand, 'onHand'));
      const { row, previousOnHand } = changed;
      await this.recordChange(manager, ctx, row, row.onHand - previousOnHand, `stock set to ${onHand}`, admin.id);
      return StockPayload.of(toProduct(productId, row));
    });
  }

  /** Adds `delta` (negative removes) to a product's on-hand quantity with a reason (ADMIN). */
  async adjustStock(ctx: RequestContext, productId: string, delta: number, reason: string): Promise<StockPayload> {
    const admin = requireAdmin(ctx);
    const errors = validateAdjustment(delta, reason);
    if (errors.length) return StockPayload.failed(...errors);
    if (!isProductId(productId)) return StockPayload.failed(notFound());
    return this.dataSource.transaction(async (manager) => {
      const row = await this.stock.adjustOnHand(manager, productId, delta);
      if (!row) return StockPayload.failed(await this.whyNot(manager, productId, null, 'delta', delta));
      await this.recordChange(manager, ctx, row, delta, reason.trim(), admin.id);
      return StockPayload.of(toProduct(productId, row));
    });
  }

  /** Products whose available stock is at most `threshold`, fewest first (ADMIN). */
  async lowStock(ctx: RequestContext, threshold: number, first: number | null | undefined, after: string | null | undefined): Promise<ProductConnection> {
    requireAdmin(ctx);
    const limit = pageSize(first);
    const max = checkThreshold(threshold);
    const cursor = after ? decodeLowStockCursor(after) : null;
    const [rows, totalCount] = await Promise.all([this.stock.lowStockPage(max, cursor, limit + 1), this.stock.countLowStock(max)]);
    const page = connectionFrom(rows, limit, encodeLowStockCursor, (row) => toProduct(row.productId, row), !!cursor);
    return { ...page, totalCount };
  }

  /**
   * Creates the stock record of a new product (ProductCreated), inside the caller's (inbox)
   * transaction. A record that already exists is left as it is; returns whether one was created.
   */
  async createForProduct(manager: EntityManager, productId: string, initialStock: number, origin: EventOrigin): Promise<boolean> {
    const row = await this.stock.createIfMissing(manager, productId, initialStock);
    if (!row) return false;
    await this.stock.addMovement(manager, { productId, delta: initialStock, onHandAfter: row.onHand, reason: 'initial stock', actor: 'system:products' });
    await enqueueEvents(manager, [stockChanged(row, 'initial stock', origin)]);
    return true;
  }

  private async recordChange(manager: EntityManager, ctx: RequestContext, row: StockRow, delta: number, reason: string, actor: string): Promise<void> {
    await this.stock.addMovement(manager, { productId: row.productId, delta, onHandAfter: row.onHand, reason, actor });
    await enqueueEvents(manager, [stockChanged(row, reason, { source: SOURCE, correlationId: ctx.requestId })]);
  }

  /** Explains a refused change (read only for the message; the write itself was one conditional UPDATE). */
  private async whyNot(manager: EntityManager, productId: string, onHand: number | null, field: string, delta = 0): Promise<UserError> {
    const row = await this.stock.find(productId, manager);
    if (!row) return notFound();
    const target = onHand ?? row.onHand + delta;
    if (target < 0) {
      return UserError.of(UserErrorCode.INVALID_INPUT, `Only ${row.onHand} on hand: cannot remove ${-delta}`, [field]);
    }
    if (target < row.reserved) {
      const message = `${row.reserved} units are reserved for orders: on hand cannot go below that (asked for ${target})`;
      // setStock names an absolute number (bad input); adjustStock asks to take away units that are spoken for.
      return UserError.of(onHand === null ? UserErrorCode.OUT_OF_STOCK : UserErrorCode.INVALID_INPUT, message, [field]);
    }
    if (target > MAX_ON_HAND) return UserError.of(UserErrorCode.INVALID_INPUT, `On hand cannot exceed ${MAX_ON_HAND}`, [field]);
    return UserError.of(UserErrorCode.CONFLICT, 'The stock changed at the same moment; try again', [field]);
  }
}
