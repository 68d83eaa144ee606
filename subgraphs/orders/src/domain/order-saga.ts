/**
 * The order saga as a pure state machine: given an order's current state and one input (a reply
 * from inventory or payments, a timer, or a person's request), `decide` says what the new status
 * is and which commands to send. No I/O here; saga.service.ts applies decisions transactionally.
 *
 *   PENDING ──StockReserved──> AWAITING_PAYMENT ──PaymentCaptured──> CONFIRMED ──ship──> SHIPPED ──deliver──> DELIVERED
 *      │                             │                                   │
 *      └─ReservationFailed/timeout/cancel──> CANCELLED <──declined/failed/timeout/cancel──┘ (cancel after CONFIRMED)
 *
 * Late and duplicate inputs never move an order backwards: they are ignored, or only trigger the
 * compensation that keeps the books straight (a late reservation is released, a late capture refunded).
 */

import type { CancellationReason } from '@shopgraph/events';

export const ORDER_STATUSES = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

// The vocabulary is defined once, with the event contracts; the GraphQL enum is built from it.
export { CANCELLATION_REASONS, type CancellationReason } from '@shopgraph/events';

/** The two steps that wait on another service, as the history names them when one times out. */
export const STEP_NAMES = { reservation: 'stock reservation', payment: 'payment' } as const;

/** What the saga needs to know about an order to decide. */
export interface SagaOrder {
  status: OrderStatus;
}

/** Everything that can happen to an order. */
export type SagaInput =
  | { type: 'StockReserved' }
  | { type: 'StockReservationFailed' }
  | { type: 'PaymentCaptured' }
  | { type: 'PaymentDeclined' }
  | { type: 'PaymentFailed' }
  | { type: 'ReservationTimedOut' }
  | { type: 'PaymentTimedOut' }
  | { type: 'CancelRequested'; by: 'OWNER' | 'ADMIN' }
  | { type: 'ShipRequested' }
  | { type: 'DeliverRequested' }
  /** shipping.v1: every line of the order has shipped (over all its shipments). */
  | { type: 'ShipmentsShipped' }
  /** shipping.v1: every line has shipped and every shipment is delivered. */
  | { type: 'ShipmentsDelivered' };

/** Commands the saga sends; saga.service.ts fills in their payloads from the order. */
export type SagaCommand = 'ReleaseStock' | 'CommitStock' | 'AuthorizePayment' | 'RefundPayment';

/** Which timer runs after the change: none (null) or the deadline of the step the order now waits on. */
export type SagaDeadline = 'reservation' | 'payment' | null;

/** A refusal of a person's request (business failure, reported as a UserError). */
export interface SagaRejection {
  code: 'ORDER_NOT_CANCELLABLE' | 'CONFLICT';
  message: string;
}

/** The outcome of one input. */
export interface SagaDecision {
  /** The new status, when the input changes it. */
  status?: OrderStatus;
  /** Why the order was cancelled (with status CANCELLED). */
  reason?: CancellationReason;
  /** What the history entry says when it says more than `reason` (which step timed out). */
  note?: string;
  /** Commands to send, in order. */
  commands: SagaCommand[];
  /** Set when the input records that money was captured (even without a status change). */
  paymentCaptured?: true;
  /** The deadline after a status change (undefined: no status change, nothing to set). */
  deadline?: SagaDeadline;
  /** A person's request that the current status does not allow. */
  rejection?: SagaRejection;
  /** Why an input changed nothing (for the log). */
  ignored?: string;
}

const ignore = (why: string): SagaDecision => ({ commands: [], ignored: why });
const cancel = (reason: CancellationReason, commands: SagaCommand[]): SagaDecision => ({ status: 'CANCELLED', reason, commands, deadline: null });
/** A step's deadline passed: TIMED_OUT, and the history says which step (e.g. "TIMED_OUT: stock reservation"). */
const timedOut = (step: keyof typeof STEP_NAMES, commands: SagaCommand[]): SagaDecision => ({
  ...cancel('TIMED_OUT', commands),
  note: `TIMED_OUT: ${STEP_NAMES[step]}`,
});

/** Decides what `input` does to `order`. Pure and total: every (status, input) pair has an answer. */
export function decide(order: SagaOrder, input: SagaInput): SagaDecision {
  const { status } = order;
  switch (input.type) {
    case 'StockReserved':
      if (status === 'PENDING') return { status: 'AWAITING_PAYMENT', commands: ['AuthorizePayment'], deadline: 'payment' };
      // The order was cancelled while inventory was still reserving: give the units back.
      if (status === 'CANCELLED') return { commands: ['ReleaseStock'], ignored: 'stock reserved for a cancelled order; releasing it' };
      return ignore(`duplicate StockReserved in ${status}`);

    case 'StockReservationFailed':
      if (status === 'PENDING') return cancel('OUT_OF_STOCK', []);
      return ignore(`StockReservationFailed in ${status}`);

    case 'PaymentCaptured':
      if (status === 'AWAITING_PAYMENT') return { status: 'CONFIRMED', commands: ['CommitStock'], paymentCaptured: true, deadline: null };
      // Money is never kept for a cancelled order (e.g. captured after the payment timeout).
      if (status === 'CANCELLED') return { commands: ['RefundPayment'], paymentCaptured: true, ignored: 'payment captured for a cancelled order; refunding it' };
      // PENDING: payments cannot capture before we asked; CONFIRMED and later: a duplicate.
      return ignore(`PaymentCaptured in ${status}`);

    case 'PaymentDeclined':
      if (status === 'AWAITING_PAYMENT') return cancel('PAYMENT_DECLINED', ['ReleaseStock']);
      return ignore(`PaymentDeclined in ${status}`);

    case 'PaymentFailed':
      if (status === 'AWAITING_PAYMENT') return cancel('PAYMENT_FAILED', ['ReleaseStock']);
      return ignore(`PaymentFailed in ${status}`);

    case 'ReservationTimedOut':
      // Inventory never answered within the reservation timeout of the command leaving (the sweeper
      // applies the deadline rule, see saga-clock.ts). ReleaseStock in case a reservation was made
      // but its answer was lost (a late StockReserved is released as well).
      if (status === 'PENDING') return timedOut('reservation', ['ReleaseStock']);
      return ignore(`reservation timer in ${status}`);

    case 'PaymentTimedOut':
      // Payments never answered (payments' own provider timeout and reconciliation answer with
      // PaymentFailed well before this). The refund is a no-op when nothing was captured; a capture
      // that still arrives later is refunded by the CANCELLED + PaymentCaptured rule.
      if (status === 'AWAITING_PAYMENT') return timedOut('payment', ['ReleaseStock', 'RefundPayment']);
      return ignore(`payment timer in ${status}`);

    case 'CancelRequested': {
      const reason: CancellationReason = input.by === 'ADMIN' ? 'ADMIN' : 'CUSTOMER_REQUEST';
      if (status === 'PENDING') return cancel(reason, ['ReleaseStock']);
      // A payment may be in flight: refund whatever gets captured (a no-op when nothing was).
      if (status === 'AWAITING_PAYMENT') return cancel(reason, ['ReleaseStock', 'RefundPayment']);
      if (status === 'CONFIRMED') return cancel(reason, ['RefundPayment', 'ReleaseStock']);
      return {
        commands: [],
        rejection: {
          code: 'ORDER_NOT_CANCELLABLE',
          message: status === 'CANCELLED' ? 'This order is already cancelled' : `An order that is ${status} can no longer be cancelled`,
        },
      };
    }

    case 'ShipRequested':
      if (status === 'CONFIRMED') return { status: 'SHIPPED', commands: [], deadline: null };
      return { commands: [], rejection: { code: 'CONFLICT', message: `Only a CONFIRMED order can be shipped; this one is ${status}` } };

    case 'DeliverRequested':
      if (status === 'SHIPPED') return { status: 'DELIVERED', commands: [], deadline: null };
      return { commands: [], rejection: { code: 'CONFLICT', message: `Only a SHIPPED order can be delivered; this one is ${status}` } };

    // Shipments (shipping.v1) drive the order; a repeated or late event (the order already there,
    // e.g. marked by hand, whose whole-order shipment comes back as an event) changes nothing.
    case 'ShipmentsShipped':
      if (status === 'CONFIRMED') return { status: 'SHIPPED', commands: [], deadline: null, note: 'every line shipped' };
      return ignore(`ShipmentsShipped in ${status}`);

    case 'ShipmentsDelivered':
      if (status === 'SHIPPED') return { status: 'DELIVERED', commands: [], deadline: null, note: 'every shipment delivered' };
      return ignore(`ShipmentsDelivered in ${status}`);
  }
}

/** Statuses after which the saga has settled (metrics count orders by these). */
export function isSettled(status: OrderStatus): boolean {
  return status === 'CONFIRMED' || status === 'CANCELLED';
}
