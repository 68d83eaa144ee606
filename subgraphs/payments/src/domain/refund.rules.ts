import { UserError, UserErrorCode } from '@shopgraph/kit';

/** What a payment allows to refund: the captured amount minus what is refunded or being refunded. */
export interface Refundable {
  status: string;
  amount: number;
  refundedAmount: number;
  refundPendingAmount: number;
}

/** How much can still be refunded (0 unless the payment is CAPTURED). */
export function refundableAmount(p: Refundable): number {
  if (p.status !== 'CAPTURED') return 0;
  return Math.max(0, p.amount - p.refundedAmount - p.refundPendingAmount);
}

/** Checks a requested refund amount before touching the store: null (everything left) or a positive integer. */
export function validateRefundAmount(amount: number | null | undefined): UserError | null {
  if (amount === null || amount === undefined) return null;
  if (!Number.isInteger(amount) || amount <= 0) return UserError.of(UserErrorCode.INVALID_INPUT, 'amount must be a positive number of minor units', ['amount']);
  return null;
}

/**
 * Why a refund could not be reserved, given the payment as it is now: nothing left to refund is a
 * CONFLICT; asking for more than what is left is INVALID_INPUT.
 */
export function refundRefusal(p: Refundable | null, requested: number | null): UserError {
  if (!p) return UserError.of(UserErrorCode.NOT_FOUND, 'No such payment', ['paymentId']);
  const left = refundableAmount(p);
  if (left === 0) {
    const why = p.status === 'CAPTURED' ? 'everything captured is already refunded or being refunded' : `the payment is ${p.status}`;
    return UserError.of(UserErrorCode.CONFLICT, `Nothing to refund: ${why}`, ['paymentId']);
  }
  if (requested !== null && requested > left) {
    return UserError.of(UserErrorCode.INVALID_INPUT, `At most ${left} can still be refunded`, ['amount']);
  }
  return UserError.of(UserErrorCode.CONFLICT, 'The payment changed meanwhile; try again', ['paymentId']);
}

/** The amount a RefundPayment command refunds: null = all that is left; never more than what is left. */
export function commandRefundAmount(requested: number | null, left: number): number {
  return requested === null ? left : Math.min(requested, left);
}
