import type { DataSource, EntityManager } from 'typeorm';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import { connectionFrom, pageSize, requireAdmin, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { StockRow } from '../types/stock-level.type';
import type { StockStore } from '../stores/stock.store';
import { toProduct, type ProductConnection } from '../types/product.type';
import { toProductVariant } from '../types/product-variant.type';
import { StockPayload } from '../types/stock-payload.type';
import { checkThreshold, decodeLowStockCursor, encodeLowStockCursor } from '../domain/low-stock.cursor';
import { isProductId, MAX_ON_HAND, validateAdjustment, validateOnHand } from '../domain/stock.validator';

export const SOURCE = 'inventory';

/** A StockChanged event for a variant's row as it is after a change (keyed by the product, so one product's changes stay in order). */
export function stockChanged(row: StockRow, reason: string, origin: EventOrigin): EventEnvelope<'StockChanged'> {
  const productId = row.parentProductId ?? row.productId;
  return createEvent('StockChanged', productId, { productId, variantId: row.productId, onHand: row.onHand, reserved: row.reserved, reason }, origin);
}

/** Which argument names the stock item: the product (its default variant) or the variant. */
type StockItemField = 'productId' | 'variantId';

const notFound = (field: StockItemField = 'productId') =>
  UserError.of(UserErrorCode.NOT_FOUND, field === 'productId' ? 'This product has no stock record' : 'This variant has no stock record', [field]);

/**
 * Stock levels: admin changes (each one conditional UPDATE + audit row + StockChanged through the
 * outbox, in one transaction), the lowStock report, and stock records for new products.
 */
export class StockService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly stock: StockStore,
  ) {}

  /**
   * Sets the on-hand quantity of a stock item (ADMIN): a variant, or with `productId` a product's
   * default variant (whose id is the product's). It cannot go below what orders hold, nor create a record.
   */
  async setStock(ctx: RequestContext, itemId: string, onHand: number, field: StockItemField = 'productId'): Promise<StockPayload> {
    const admin = requireAdmin(ctx);
    const errors = validateOnHand(onHand);
    if (errors.length) return StockPayload.failed(...errors);
    if (!isProductId(itemId)) return StockPayload.failed(notFound(field));
    return this.dataSource.transaction(async (manager) => {
      const changed = await this.stock.setOnHand(manager, itemId, onHand);
      if (!changed) return StockPayload.failed(await this.whyNot(manager, itemId, onHand, 'onHand', 0, field));
      const { row, previousOnHand } = changed;
      await this.recordChange(manager, ctx, row, row.onHand - previousOnHand, `stock set to ${onHand}`, admin.id);
      return this.payload(manager, row);
    });
  }

  /** Adds `delta` (negative removes) to a stock item's on-hand quantity with a reason (ADMIN); see setStock. */
  async adjustStock(ctx: RequestContext, itemId: string, delta: number, reason: string, field: StockItemField = 'productId'): Promise<StockPayload> {
    const admin = requireAdmin(ctx);
    const errors = validateAdjustment(delta, reason);
    if (errors.length) return StockPayload.failed(...errors);
    if (!isProductId(itemId)) return StockPayload.failed(notFound(field));
    return this.dataSource.transaction(async (manager) => {
      const row = await this.stock.adjustOnHand(manager, itemId, delta);
      if (!row) return StockPayload.failed(await this.whyNot(manager, itemId, null, 'delta', delta, field));
      await this.recordChange(manager, ctx, row, delta, reason.trim(), admin.id);
      return this.payload(manager, row);
    });
  }

  /** The payload of a change: the variant's row, and its product with the stock of all its active variants. */
  private async payload(manager: EntityManager, row: StockRow): Promise<StockPayload> {
    const productId = row.parentProductId ?? row.productId;
    const [sum] = await this.stock.sumsByProduct([productId], manager);
    return StockPayload.of(toProduct(productId, sum ?? null), toProductVariant(row.productId, row));
  }

  /** Products whose available stock is at most `threshold`, fewest first (ADMIN). */
  async lowStock(ctx: RequestContext, threshold: number, first: number | null | undefined, after: string | null | undefined): Promise<ProductConnection> {
    requireAdmin(ctx);
    const limit = pageSize(first);
    const max = checkThreshold(threshold);
    const cursor = after ? decodeLowStockCursor(after) : null;
    const [rows, totalCount] = await Promise.all([this.stock.lowStockPage(max, cursor, limit + 1), this.stock.countLowStock(max)]);
    const sums = new Map((await this.stock.sumsByProduct(rows.map((r) => r.productId))).map((r) => [r.productId, r]));
    const page = connectionFrom(rows, limit, encodeLowStockCursor, (row) => toProduct(row.productId, sums.get(row.productId) ?? null), !!cursor);
    return { ...page, totalCount };
  }

  /**
   * Creates the stock record of a new product (ProductCreated), inside the caller's (inbox)
   * transaction. A record that already exists is left as it is; returns whether one was created.
   */
  async createForProduct(manager: EntityManager, productId: string, initialStock: number, origin: EventOrigin, parentProductId: string = productId): Promise<boolean> {
    const row = await this.stock.createIfMissing(manager, productId, initialStock, parentProductId);
    if (!row) return false;
    await this.stock.addMovement(manager, { productId, delta: initialStock, onHandAfter: row.onHand, reason: 'initial stock', actor: 'system:products' });
    await enqueueEvents(manager, [stockChanged(row, 'initial stock', origin)]);
    return true;
  }

  /** Marks which of a product's variants are active (from a products.v1 snapshot), inside the caller's transaction. */
  async setActiveVariants(manager: EntityManager, productId: string, activeVariantIds: string[]): Promise<void> {
    await this.stock.setActiveVariants(manager, productId, activeVariantIds);
  }

  private async recordChange(manager: EntityManager, ctx: RequestContext, row: StockRow, delta: number, reason: string, actor: string): Promise<void> {
    await this.stock.addMovement(manager, { productId: row.productId, delta, onHandAfter: row.onHand, reason, actor });
    await enqueueEvents(manager, [stockChanged(row, reason, { source: SOURCE, correlationId: ctx.requestId })]);
  }

  /** Explains a refused change (read only for the message; the write itself was one conditional UPDATE). */
  private async whyNot(manager: EntityManager, productId: string, onHand: number | null, field: string, delta = 0, itemField: StockItemField = 'productId'): Promise<UserError> {
    const row = await this.stock.find(productId, manager);
    if (!row) return notFound(itemField);
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
