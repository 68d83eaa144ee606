import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from '@shopgraph/kit';
import { createEvent, enqueueEvents, type EventEnvelope, type EventOrigin } from '@shopgraph/events';
import type { OrderEntity } from '../entities/order.entity';
import type { OrderItemEntity } from '../entities/order-item.entity';
import type { OrderStore } from '../stores/order.store';
import { decide, isSettled, type SagaCommand, type SagaDecision, type SagaInput } from '../domain/order-saga';
import type { CommittedChange, SagaMetrics } from './saga.metrics';

export const SOURCE = 'orders';

/** Another writer changed the order between our read and our conditional update. */
export class VersionConflict extends Error {}

/** The result of applying one input to one order inside a transaction. */
export interface Applied {
  decision: SagaDecision;
  /** The order after the change (the same order when nothing changed). */
  order: OrderEntity;
  /** Set when the status changed (for metrics, once committed). */
  change: CommittedChange | null;
}

/** Timeouts of the two steps that wait on another service. */
export interface SagaTimeouts {
  reservationSeconds: number;
  paymentSeconds: number;
}

/**
 * Applies saga decisions to stored orders: the conditional status update (on `version`), the
 * history row and the outbox events (commands + OrderStatusChanged) all in the caller's
 * transaction. Callers retry on VersionConflict.
 */
export class SagaService {
  /** Runs in the transaction that cancels an order (checkout gives the order's promotion uses back). */
  onCancelled: ((manager: EntityManager, orderId: string) => Promise<unknown>) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderStore,
    private readonly timeouts: SagaTimeouts,
    private readonly metrics: SagaMetrics,
    private readonly log: Logger,
  ) {}

  /** The timeout of a step, counted from when its command left (saga-clock.ts). */
  timeoutSeconds(step: 'reservation' | 'payment'): number {
    return step === 'reservation' ? this.timeouts.reservationSeconds : this.timeouts.paymentSeconds;
  }

  /**
   * The nominal deadline of a step whose command is enqueued now: the earliest it can time out.
   * The real one is the command's sent time + timeout (the sweeper moves `deadline_at` to it).
   */
  deadlineFor(step: 'reservation' | 'payment', now: Date): Date {
    return new Date(now.getTime() + this.timeoutSeconds(step) * 1000);
  }

  /**
   * Decides `input` for `order` (as read in this transaction) and writes the outcome; throws
   * VersionConflict on a race. `items`: the order's lines when the caller read them with it.
   */
  async apply(manager: EntityManager, order: OrderEntity, input: SagaInput, origin: EventOrigin, items?: readonly OrderItemEntity[]): Promise<Applied> {
    const decision = decide({ status: order.status }, input);
    if (decision.rejection) return { decision, order, change: null };
    if (decision.ignored) this.log.info({ orderId: order.id, input: input.type, status: order.status, why: decision.ignored }, 'saga input changed no status');
    const now = new Date();
    let updated = order;
    let change: CommittedChange | null = null;
    const events: EventEnvelope[] = decision.commands.map((command) => this.command(command, order, origin));
    if (decision.status) {
      // The step the order now waits on starts when its command leaves: remember which one that is.
      const stepCommand = decision.deadline === 'payment' ? events.find((e) => e.type === 'AuthorizePayment') : undefined;
      if (decision.deadline && !stepCommand) throw new Error(`the ${decision.deadline} step of order ${order.id} starts without its command`);
      const next = await this.orders.changeStatus(
        manager,
        {
          orderId: order.id,
          expectedVersion: order.version,
          status: decision.status,
          reason: decision.reason ?? null,
          historyReason: decision.note ?? decision.reason ?? null,
          deadlineAt: decision.deadline ? this.deadlineFor(decision.deadline, now) : null,
          stepCommandId: stepCommand?.id ?? null,
          paymentCaptured: decision.paymentCaptured === true,
          clearPaymentToken: isSettled(decision.status),
        },
        now,
      );
      if (!next) throw new VersionConflict(`order ${order.id} changed after version ${order.version}`);
      updated = next;
      if (decision.status === 'CANCELLED') await this.onCancelled?.(manager, order.id);
      change = { from: order.status, to: decision.status, reason: decision.reason ?? null, fromAt: order.statusChangedAt, placedAt: order.createdAt, at: now };
    } else if (decision.paymentCaptured && !order.paymentCaptured) {
      if (!(await this.orders.markPaymentCaptured(manager, order.id, order.version, now))) {
        throw new VersionConflict(`order ${order.id} changed after version ${order.version}`);
      }
    }
    if (change) events.push(await this.statusChanged(manager, updated, change, origin, items));
    await enqueueEvents(manager, events);
    return { decision, order: updated, change };
  }

  /**
   * Runs `work` (which opens and commits its own transaction) again when it lost a version race,
   * so the order is re-read and re-decided; then records the metrics of what committed.
   */
  async retrying<T extends { change: CommittedChange | null } | null>(work: () => Promise<T>, attempts = 5): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await work();
        if (result?.change) this.metrics.changed(result.change);
        return result;
      } catch (error) {
        if (!(error instanceof VersionConflict) || attempt >= attempts) throw error;
        this.log.debug({ err: error, attempt }, 'order changed concurrently; deciding again');
      }
    }
  }

  /** Runs `work` in a fresh transaction, retried on a version race (see `retrying`). */
  inTransaction<T extends { change: CommittedChange | null } | null>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.retrying(() => this.dataSource.transaction(work));
  }

  /** Records committed changes in the metrics (for callers that commit several at once). */
  committed(changes: (CommittedChange | null)[]): void {
    for (const change of changes) if (change) this.metrics.changed(change);
  }

  /** OrderStatusChanged for the order as it is after the change. */
  async statusChanged(
    manager: EntityManager,
    order: OrderEntity,
    change: Pick<CommittedChange, 'from' | 'to' | 'reason' | 'at'> | null,
    origin: EventOrigin,
    known?: readonly OrderItemEntity[],
  ): Promise<EventEnvelope> {
    // An order's lines never change after it is placed: the ones read with the order will do.
    const items = known ?? (await this.orders.itemsOf([order.id], manager));
    return createEvent(
      'OrderStatusChanged',
      order.id,
      {
        orderId: order.id,
        customerId: order.customerId,
        status: order.status,
        previousStatus: change?.from ?? null,
        reason: change?.reason ?? null,
        version: order.version,
        at: (change?.at ?? order.statusChangedAt).toISOString(),
        items: items.map((i) => ({ productId: i.productId, variantId: i.variantId, quantity: i.quantity })),
        summary: {
          number: order.number,
          currency: order.currency,
          subtotal: order.subtotal,
          total: order.total,
          discountTotal: order.discountTotal,
          shippingTotal: order.shippingTotal,
          taxTotal: order.taxTotal,
          lines: items.map((i) => ({ productId: i.productId, name: i.productName, unitPrice: i.unitPrice, quantity: i.quantity })),
          shippingAddress: order.shippingAddress,
        },
        // A guest order's mails go to the address it was placed with.
        ...(order.guest && order.email ? { email: order.email } : {}),
      },
      origin,
    );
  }

  /** ReserveStock for a new order's lines. */
  reserveStock(orderId: string, lines: { productId: string; variantId: string; quantity: number }[], origin: EventOrigin): EventEnvelope {
    return createEvent('ReserveStock', orderId, { orderId, lines }, origin);
  }

  private command(command: SagaCommand, order: OrderEntity, origin: EventOrigin): EventEnvelope {
    switch (command) {
      case 'AuthorizePayment':
        if (!order.paymentToken) throw new Error(`order ${order.id} has no payment token to authorize with`);
        return createEvent(
          'AuthorizePayment',
          order.id,
          { orderId: order.id, customerId: order.customerId, amount: { amount: order.total, currency: order.currency }, paymentToken: order.paymentToken },
          origin,
        );
      case 'CommitStock':
        return createEvent('CommitStock', order.id, { orderId: order.id }, origin);
      case 'ReleaseStock':
        return createEvent('ReleaseStock', order.id, { orderId: order.id }, origin);
      case 'RefundPayment':
        // null: everything captured and not refunded yet (a no-op in payments when nothing was captured).
        return createEvent('RefundPayment', order.id, { orderId: order.id, amount: null }, origin);
    }
  }
}
