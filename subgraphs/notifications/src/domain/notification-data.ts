import type { OrderSummary } from '@shopgraph/events';
import type { NotificationKind } from './notification-kind';

/** Account mails: who they are addressed to. */
export interface AccountData {
  name: string;
}

/** Mails with a single-use link (reset, verification): the raw token and when it expires. */
export interface TokenData extends AccountData {
  token: string;
  expiresAt: string;
}

export interface PasswordChangedData extends AccountData {
  via: 'CHANGE' | 'RESET';
  at: string;
}

/** Order mails: the order as the event described it (summary absent for events from before summaries). */
export interface OrderData {
  orderId: string;
  status: string;
  reason: string | null;
  at: string;
  summary: OrderSummary | null;
}

export interface RefundData {
  orderId: string;
  amount: { amount: number; currency: string };
  summary: OrderSummary | null;
}

export interface ReturnData {
  orderId: string;
  returnId: string;
  status: string;
  summary: OrderSummary | null;
  /** Why it was rejected (REJECTED). */
  rejectionReason?: string | null;
  /** What will be refunded (RECEIVED). */
  refundAmount?: { amount: number; currency: string } | null;
}

/** The data each kind's template renders. */
export interface DataOf {
  WELCOME: AccountData;
  EMAIL_VERIFICATION: TokenData;
  PASSWORD_RESET: TokenData;
  PASSWORD_CHANGED: PasswordChangedData;
  ORDER_CONFIRMED: OrderData;
  ORDER_CANCELLED: OrderData;
  ORDER_SHIPPED: OrderData;
  ORDER_DELIVERED: OrderData;
  REFUND_ISSUED: RefundData;
  RETURN_UPDATED: ReturnData;
}

export type AnyData = DataOf[NotificationKind];
