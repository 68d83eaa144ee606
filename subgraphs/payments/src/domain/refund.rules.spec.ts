import { UserErrorCode } from '@shopgraph/kit';
import { commandRefundAmount, refundableAmount, refundRefusal, validateRefundAmount } from './refund.rules';

const captured = (amount: number, refunded = 0, pending = 0) => ({ status: 'CAPTURED', amount, refundedAmount: refunded, refundPendingAmount: pending });

describe('refund amount rules', () => {
  it('can refund what was captured minus what is refunded or being refunded, and nothing unless CAPTURED', () => {
    expect(refundableAmount(captured(1000))).toBe(1000);
    expect(refundableAmount(captured(1000, 300))).toBe(700);
    expect(refundableAmount(captured(1000, 300, 200))).toBe(500);
    expect(refundableAmount(captured(1000, 1000))).toBe(0);
    for (const status of ['PENDING', 'DECLINED', 'FAILED', 'REFUNDED']) {
      expect(refundableAmount({ ...captured(1000), status })).toBe(0);
    }
  });

  it('accepts null (everything left) or a positive integer amount', () => {
    expect(validateRefundAmount(null)).toBeNull();
    expect(validateRefundAmount(undefined)).toBeNull();
    expect(validateRefundAmount(1)).toBeNull();
    for (const bad of [0, -5, 1.5]) expect(validateRefundAmount(bad)).toMatchObject({ code: UserErrorCode.INVALID_INPUT, field: ['amount'] });
  });

  it('explains a refused refund: unknown payment, nothing left (CONFLICT), or more than left (INVALID_INPUT)', () => {
    expect(refundRefusal(null, 100)).toMatchObject({ code: UserErrorCode.NOT_FOUND });
    expect(refundRefusal(captured(1000, 1000), null)).toMatchObject({ code: UserErrorCode.CONFLICT });
    expect(refundRefusal({ ...captured(1000), status: 'DECLINED' }, 100)).toMatchObject({ code: UserErrorCode.CONFLICT, message: expect.stringContaining('DECLINED') });
    expect(refundRefusal(captured(1000, 300), 800)).toMatchObject({ code: UserErrorCode.INVALID_INPUT, message: 'At most 700 can still be refunded', field: ['amount'] });
  });

  it('a RefundPayment command refunds what is left for null, and never more than what is left', () => {
    expect(commandRefundAmount(null, 700)).toBe(700);
    expect(commandRefundAmount(200, 700)).toBe(200);
    expect(commandRefundAmount(900, 700)).toBe(700);
  });
});
