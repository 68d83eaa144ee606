import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { connectionFrom, decodeCursor, encodeCursor, forbidden, money, pageSize, requireAdmin, requireViewer, UserError, UserErrorCode, type Logger, type RequestContext } from '@shopgraph/kit';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import { checkReason, decideReturnRequest, refundForReturn, returnTransitionRefusal, type ReturnLineValue, type ReturnRuleError, type ReturnStatusValue } from '../domain/return-rules';
import type { ReturnCursor, ReturnRow, ReturnStore } from '../stores/return.store';
import { productRef, variantRef } from '../types/product.type';
import { Return, ReturnConnection, ReturnLine, ReturnPayload, ReturnStatus, RETURN_NOT_ALLOWED } from '../types/return.type';
import { SOURCE } from './saga.service';

const cursorShape = z.object({ t: z.number().int().nonnegative(), id: z.string().uuid() });
const returnCursor = (r: { createdAt: Date; id: string }) => encodeCursor({ t: new Date(r.createdAt).getTime(), id: r.id });
const parseReturnCursor = (after: string | null | undefined): ReturnCursor | null => (after ? decodeCursor(after, cursorShape) : null);

/** The API view of a stored return (its order resolves through the order loader). */
export function toReturn(row: ReturnRow): Return {
  return Object.assign(new Return(), {
    id: row.id,
    orderId: row.orderId,
    customerId: row.customerId,
    lines: row.lines.map((l) => Object.assign(new ReturnLine(), { product: productRef(l.productId), variant: variantRef(l.variantId), quantity: l.quantity })),
    reason: row.reason,
    status: row.status as ReturnStatus,
    rejectionReason: row.rejectionReason,
    refundAmount: row.refundAmount === null ? null : money(row.refundAmount, row.currency),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  });
}

const payload = (row: ReturnRow | null, errors: UserError[] = []): ReturnPayload => Object.assign(new ReturnPayload(), { return: row ? toReturn(row) : null, errors });
const refused = (code: UserErrorCode, message: string, field: string[]): ReturnPayload => payload(null, [UserError.of(code, message, field)]);
const ruleError = (e: ReturnRuleError): UserError => UserError.of(e.code === 'RETURN_NOT_ALLOWED' ? RETURN_NOT_ALLOWED : UserErrorCode.INVALID_INPUT, e.message, e.field);
/** Lines as the contracts carry them (a default variant's id is its product's, so it is left out). */
const eventLines = (lines: ReturnLineValue[]) =>
  lines.map((l) => (l.variantId === l.productId ? { productId: l.productId, quantity: l.quantity } : { productId: l.productId, variantId: l.variantId, quantity: l.quantity }));

/**
 * Returns (issue 15): the owner asks, an ADMIN approves or rejects and receives the goods;
 * receiving computes the refund (domain/return-rules.ts) and sends RestockReturn (inventory) and
 * RefundPayment with the returnId (payments) through the outbox, in the same transaction as the
 * status change, like the saga's commands; PaymentRefunded for the return makes it REFUNDED. The
 * order's row is locked while a return of it is requested or received, so concurrent requests
 * cannot return one unit twice and refunds are computed one after the other. Every change
 * publishes ReturnUpdated on orders.v1.
 */
export class ReturnService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ReturnStore,
    private readonly log: Logger,
  ) {}

  /** requestReturn: the order's owner, for delivered lines within the window. */
  async request(ctx: RequestContext, input: { orderId: string; lines: { productId: string; variantId?: string | null; quantity: number }[]; reason: string }): Promise<ReturnPayload> {
    const viewer = requireViewer(ctx);
    const origin: EventOrigin = { source: SOURCE, correlationId: ctx.requestId };
    return this.dataSource.transaction(async (manager) => {
      const order = await this.store.lockOrder(manager, input.orderId.trim());
      if (!order) return refused(UserErrorCode.NOT_FOUND, 'No order with this id', ['input', 'orderId']);
      if (order.customerId !== viewer.id) {
        if (viewer.role !== 'ADMIN') throw forbidden('Only the customer who placed this order may return goods from it');
        return refused(RETURN_NOT_ALLOWED, 'Only the customer who placed this order may ask to return goods from it', ['input', 'orderId']);
      }
      const earlier = (await this.store.ofOrders([order.id], manager)).filter((r) => r.status !== 'REJECTED');
      const decision = decideReturnRequest({
        orderStatus: order.status,
        deliveredAt: order.deliveredAt ? new Date(order.deliveredAt) : null,
        ordered: order.lines,
        alreadyReturned: earlier.flatMap((r) => r.lines),
        lines: input.lines,
        reason: input.reason,
        now: new Date(),
      });
      if (!decision.ok) return payload(null, decision.errors.map(ruleError));
      const row = await this.store.insert(manager, { id: randomUUID(), orderId: order.id, customerId: order.customerId, reason: decision.reason, currency: order.currency, lines: decision.lines });
      await enqueueEvents(manager, [this.updated(row, null, origin)]);
      return payload(row);
    });
  }

  /** approveReturn (ADMIN): REQUESTED → APPROVED. */
  approve(ctx: RequestContext, id: string): Promise<ReturnPayload> {
    requireAdmin(ctx);
    return this.moveByAdmin(ctx, id, 'APPROVED', async () => ({}));
  }

  /** rejectReturn (ADMIN): REQUESTED or APPROVED → REJECTED, with a reason (its lines may be asked for again). */
  reject(ctx: RequestContext, id: string, reason: string): Promise<ReturnPayload> {
    requireAdmin(ctx);
    const checked = checkReason(reason, ['reason']);
    if ('error' in checked) return Promise.resolve(payload(null, [ruleError(checked.error)]));
    return this.moveByAdmin(ctx, id, 'REJECTED', async () => ({ rejectionReason: checked.value }));
  }

  /**
   * receiveReturn (ADMIN): APPROVED → RECEIVED with the refund computed, RestockReturn and
   * RefundPayment(returnId) in the same transaction. A refund of 0 (lines fully discounted) needs
   * no payment: the return is REFUNDED at once.
   */
  receive(ctx: RequestContext, id: string): Promise<ReturnPayload> {
    requireAdmin(ctx);
    return this.moveByAdmin(ctx, id, 'RECEIVED', async (manager, row) => {
      const order = (await this.store.lockOrder(manager, row.orderId))!;
      const received = (await this.store.ofOrders([row.orderId], manager)).filter((r) => r.id !== row.id && (r.status === 'RECEIVED' || r.status === 'REFUNDED'));
      const refund = refundForReturn({
        ordered: order.lines,
        pricesIncludeTax: order.pricesIncludeTax,
        total: order.total,
        receivedBefore: received.flatMap((r) => r.lines),
        refundedBefore: received.reduce((s, r) => s + (r.refundAmount ?? 0), 0),
        lines: row.lines,
      });
      return { refundAmount: refund.amount };
    }, (row, origin) => {
      const commands: EventEnvelope[] = [createEvent('RestockReturn', row.orderId, { returnId: row.id, orderId: row.orderId, lines: eventLines(row.lines) }, origin)];
      if ((row.refundAmount ?? 0) > 0) commands.push(createEvent('RefundPayment', row.orderId, { orderId: row.orderId, amount: row.refundAmount, returnId: row.id }, origin));
      return commands;
    });
  }

  /** ReturnRestocked: the goods are back on hand (remembered once). */
  async restocked(manager: EntityManager, returnId: string): Promise<void> {
    if (!(await this.store.markRestocked(manager, returnId))) this.log.debug({ returnId }, 'ReturnRestocked for a return already restocked or unknown');
  }

  /** PaymentRefunded with a returnId: RECEIVED → REFUNDED (a repeated reply changes nothing). */
  async refunded(manager: EntityManager, event: EventEnvelope<'PaymentRefunded'>, origin: EventOrigin): Promise<ReturnRow | null> {
    const returnId = event.payload.returnId!;
    const before = await this.store.findById(returnId, manager, true);
    if (!before) {
      this.log.debug({ returnId }, 'PaymentRefunded for an unknown return; ignoring it');
      return null;
    }
    if (before.status !== 'RECEIVED') return null;
    if (before.refundAmount !== event.payload.amount.amount) {
      this.log.warn({ returnId, refundAmount: before.refundAmount, refunded: event.payload.amount }, 'the refunded amount differs from the return\'s refundAmount');
    }
    const after = await this.store.move(manager, returnId, 'RECEIVED', 'REFUNDED', { refunded: true });
    if (after) await enqueueEvents(manager, [this.updated(after, 'RECEIVED', origin)]);
    return after;
  }

  /** A return for its customer or an ADMIN; null when there is none; FORBIDDEN for others. */
  async byId(ctx: RequestContext, id: string): Promise<Return | null> {
    const viewer = requireViewer(ctx);
    const row = await this.store.findById(id.trim());
    if (!row) return null;
    if (row.customerId !== viewer.id && viewer.role !== 'ADMIN') throw forbidden('Only the customer who asked for this return or an ADMIN may see it');
    return toReturn(row);
  }

  /** Entity references by id, batched (authorized per return like byId). */
  async referenced(ctx: RequestContext, id: string): Promise<Return | null> {
    return this.byId(ctx, id);
  }

  /** Order.returns for several orders at once (the order itself was authorized already). */
  async ofOrders(orderIds: readonly string[]): Promise<Return[][]> {
    const rows = await this.store.ofOrders(orderIds);
    return orderIds.map((id) => rows.filter((r) => r.orderId === id).map(toReturn));
  }

  /** returns (ADMIN): newest first, optionally by status. */
  async list(ctx: RequestContext, status: ReturnStatusValue | null, first: number | null | undefined, after: string | null | undefined): Promise<ReturnConnection> {
    requireAdmin(ctx);
    const size = pageSize(first);
    const cursor = parseReturnCursor(after);
    const [rows, totalCount] = await Promise.all([this.store.page(status, size + 1, cursor), this.store.count(status)]);
    return Object.assign(new ReturnConnection(), { ...connectionFrom(rows, size, returnCursor, toReturn, cursor !== null), totalCount });
  }

  /** An ADMIN's status change of a return: checked against the rules, conditional on the status read, with ReturnUpdated (and commands). */
  private async moveByAdmin(
    ctx: RequestContext,
    id: string,
    to: ReturnStatusValue,
    fieldsFor: (manager: EntityManager, row: ReturnRow) => Promise<{ rejectionReason?: string; refundAmount?: number }>,
    commandsFor: (row: ReturnRow, origin: EventOrigin) => EventEnvelope[] = () => [],
  ): Promise<ReturnPayload> {
    const origin: EventOrigin = { source: SOURCE, correlationId: ctx.requestId };
    return this.dataSource.transaction(async (manager) => {
      const row = await this.store.findById(id.trim(), manager, true);
      if (!row) return refused(UserErrorCode.NOT_FOUND, 'No return with this id', ['id']);
      const refusal = returnTransitionRefusal(row.status, to);
      if (refusal) return refused(UserErrorCode.CONFLICT, refusal, ['id']);
      const moved = (await this.store.move(manager, row.id, row.status, to, await fieldsFor(manager, row)))!;
      const events: EventEnvelope[] = [this.updated(moved, row.status, origin), ...commandsFor(moved, origin)];
      let result = moved;
      if (to === 'RECEIVED' && (moved.refundAmount ?? 0) === 0) {
        // Nothing to pay back: refunded at once.
        result = (await this.store.move(manager, row.id, 'RECEIVED', 'REFUNDED', { refunded: true }))!;
        events.push(this.updated(result, 'RECEIVED', origin));
      }
      await enqueueEvents(manager, events);
      return payload(result);
    });
  }

  private updated(row: ReturnRow, previous: ReturnStatusValue | null, origin: EventOrigin): EventEnvelope<'ReturnUpdated'> {
    return createEvent(
      'ReturnUpdated',
      row.orderId,
      {
        returnId: row.id,
        orderId: row.orderId,
        customerId: row.customerId,
        status: row.status,
        previousStatus: previous,
        lines: eventLines(row.lines),
        reason: row.reason,
        rejectionReason: row.rejectionReason,
        refundAmount: row.refundAmount === null ? null : { amount: row.refundAmount, currency: row.currency },
        at: new Date(row.updatedAt).toISOString(),
      },
      origin,
    );
  }
}
