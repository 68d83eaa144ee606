import type { EventEnvelope, OrderSummary } from '@shopgraph/events';
import type { AnyData, DataOf } from './notification-data';
import type { NotificationKind } from './notification-kind';

/** What an event asks for: one notification of `kind` (to a known address, or to the user's once known). */
export interface NotificationPlan<K extends NotificationKind = NotificationKind> {
  kind: K;
  /** Null when only the order is known yet (a refund of an order this service never saw). */
  userId: string | null;
  orderId: string | null;
  /** The address the event names (account mails go to the address they were asked for); null = the user's newest known. */
  recipient: string | null;
  data: DataOf[K];
}

/** The order-related facts a plan may need beyond the event (from the orders projection). */
export interface KnownOrder {
  customerId: string;
  summary: OrderSummary | null;
}

const ORDER_STATUS_KINDS: Partial<Record<string, NotificationKind>> = {
  CONFIRMED: 'ORDER_CONFIRMED',
  CANCELLED: 'ORDER_CANCELLED',
  SHIPPED: 'ORDER_SHIPPED',
  DELIVERED: 'ORDER_DELIVERED',
};

/**
 * The notification an event calls for, or null (most events call for none: stock, reviews,
 * intermediate order statuses). Exactly one per event at most: the event id becomes the
 * notification id, so the same event can never produce two.
 */
export function planFor(event: EventEnvelope, knownOrder: KnownOrder | null): NotificationPlan | null {
  const account = <K extends 'WELCOME' | 'EMAIL_VERIFICATION' | 'PASSWORD_RESET' | 'PASSWORD_CHANGED'>(
    kind: K,
    p: { userId: string; email: string },
    data: DataOf[K],
  ): NotificationPlan<K> => ({ kind, userId: p.userId, orderId: null, recipient: p.email, data });

  switch (event.type) {
    case 'UserRegistered': {
      const p = (event as EventEnvelope<'UserRegistered'>).payload;
      return account('WELCOME', p, { name: p.name });
    }
    case 'EmailVerificationRequested': {
      const p = (event as EventEnvelope<'EmailVerificationRequested'>).payload;
      return account('EMAIL_VERIFICATION', p, { name: p.name, token: p.token, expiresAt: p.expiresAt });
    }
    case 'PasswordResetRequested': {
      const p = (event as EventEnvelope<'PasswordResetRequested'>).payload;
      return account('PASSWORD_RESET', p, { name: p.name, token: p.token, expiresAt: p.expiresAt });
    }
    case 'PasswordChanged': {
      const p = (event as EventEnvelope<'PasswordChanged'>).payload;
      return account('PASSWORD_CHANGED', p, { name: p.name, via: p.via, at: p.at });
    }
    case 'OrderStatusChanged': {
      const p = (event as EventEnvelope<'OrderStatusChanged'>).payload;
      const kind = ORDER_STATUS_KINDS[p.status];
      // A repeated status (no previous status change) is not news.
      if (!kind || p.previousStatus === p.status) return null;
      const data: DataOf['ORDER_CONFIRMED'] = {
        orderId: p.orderId,
        status: p.status,
        reason: p.reason,
        at: p.at,
        summary: p.summary ?? knownOrder?.summary ?? null,
      };
      // A guest order names its address (its customer is a guest record no users.v1 event tells of).
      return { kind, userId: p.customerId, orderId: p.orderId, recipient: p.email ?? null, data: data as AnyData } as NotificationPlan;
    }
    case 'PaymentRefunded': {
      const p = (event as EventEnvelope<'PaymentRefunded'>).payload;
      return {
        kind: 'REFUND_ISSUED',
        userId: knownOrder?.customerId ?? null,
        orderId: p.orderId,
        recipient: null,
        data: { orderId: p.orderId, amount: p.amount, summary: knownOrder?.summary ?? null },
      };
    }
    case 'ReturnUpdated': {
      const p = (event as EventEnvelope<'ReturnUpdated'>).payload;
      // REFUNDED is told by the refund's own mail (PaymentRefunded → REFUND_ISSUED): one mail per refund.
      if (!RETURN_STATUSES_MAILED.has(p.status)) return null;
      return {
        kind: 'RETURN_UPDATED',
        userId: p.customerId,
        orderId: p.orderId,
        recipient: null,
        data: {
          orderId: p.orderId,
          returnId: p.returnId,
          status: p.status,
          summary: p.summary ?? knownOrder?.summary ?? null,
          rejectionReason: p.rejectionReason,
          refundAmount: p.refundAmount,
        },
      };
    }
    default:
      return null;
  }
}

/** The return statuses a customer is mailed about (RETURN_UPDATED). */
const RETURN_STATUSES_MAILED: ReadonlySet<string> = new Set(['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED']);

/** The users.v1 events that announce a user's address (every one of them carries it). */
export function announcedRecipient(event: EventEnvelope): { userId: string; email: string; name: string } | null {
  switch (event.type) {
    case 'UserRegistered':
    case 'EmailVerificationRequested':
    case 'PasswordResetRequested':
    case 'PasswordChanged': {
      const p = event.payload as { userId: string; email: string; name: string };
      return { userId: p.userId, email: p.email, name: p.name };
    }
    default:
      return null;
  }
}
