import { createEvent } from '@shopgraph/events';
import { allowedByPreferences, DEFAULT_PREFERENCES } from './notification-kind';
import { announcedRecipient, planFor } from './event-plan';

const origin = { source: 'test' };
const user = { userId: 'u1', email: 'ann@example.test', name: 'Ann' };
const statusChange = (
  status: 'CONFIRMED' | 'AWAITING_PAYMENT' | 'CANCELLED' | 'SHIPPED' | 'DELIVERED',
  previousStatus: 'PENDING' | 'AWAITING_PAYMENT' | 'CONFIRMED' | 'SHIPPED',
  reason: string | null = null,
) =>
  createEvent(
    'OrderStatusChanged',
    'o1',
    {
      orderId: 'o1',
      customerId: 'u1',
      status,
      previousStatus,
      reason,
      version: 2,
      at: new Date().toISOString(),
      items: [{ productId: 'p', quantity: 1 }],
    },
    origin,
  );

describe('planFor', () => {
  it('plans one account mail per users.v1 event, to the address the event names', () => {
    expect(planFor(createEvent('UserRegistered', 'u1', user, origin), null)).toMatchObject({
      kind: 'WELCOME',
      userId: 'u1',
      recipient: 'ann@example.test',
    });
    const reset = createEvent('PasswordResetRequested', 'u1', { ...user, token: 't', expiresAt: new Date().toISOString() }, origin);
    expect(planFor(reset, null)).toMatchObject({ kind: 'PASSWORD_RESET', data: { token: 't' } });
    expect(announcedRecipient(reset)).toEqual(user);
  });

  it('plans order mails for confirmed, cancelled, shipped and delivered only', () => {
    expect(planFor(statusChange('AWAITING_PAYMENT', 'PENDING'), null)).toBeNull();
    expect(planFor(statusChange('CONFIRMED', 'AWAITING_PAYMENT'), null)).toMatchObject({
      kind: 'ORDER_CONFIRMED',
      userId: 'u1',
      orderId: 'o1',
      recipient: null,
    });
    expect(planFor(statusChange('CANCELLED', 'AWAITING_PAYMENT', 'PAYMENT_DECLINED'), null)).toMatchObject({
      kind: 'ORDER_CANCELLED',
      data: { reason: 'PAYMENT_DECLINED' },
    });
    expect(planFor(statusChange('SHIPPED', 'CONFIRMED'), null)?.kind).toBe('ORDER_SHIPPED');
    expect(planFor(statusChange('DELIVERED', 'SHIPPED'), null)?.kind).toBe('ORDER_DELIVERED');
  });

  it("plans a refund mail for the order's customer, or for whoever it turns out to be", () => {
    const refund = createEvent(
      'PaymentRefunded',
      'o1',
      { orderId: 'o1', paymentId: 'pay1', amount: { amount: 500, currency: 'USD' } },
      origin,
    );
    expect(planFor(refund, { customerId: 'u9', summary: null })).toMatchObject({ kind: 'REFUND_ISSUED', userId: 'u9', orderId: 'o1' });
    expect(planFor(refund, null)).toMatchObject({ kind: 'REFUND_ISSUED', userId: null, orderId: 'o1' });
  });

  it('plans a return mail for the customer on every step of a return but the refund (the refund mail tells that)', () => {
    const update = (status: 'REQUESTED' | 'APPROVED' | 'REJECTED' | 'RECEIVED' | 'REFUNDED') =>
      createEvent(
        'ReturnUpdated',
        'o1',
        {
          returnId: 'r1',
          orderId: 'o1',
          customerId: 'u1',
          status,
          previousStatus: null,
          lines: [{ productId: 'p', quantity: 1 }],
          reason: 'too small',
          rejectionReason: status === 'REJECTED' ? 'Worn' : null,
          refundAmount: status === 'RECEIVED' ? { amount: 1250, currency: 'USD' } : null,
          at: new Date().toISOString(),
        },
        origin,
      );
    for (const status of ['REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED'] as const) {
      expect(planFor(update(status), null)).toMatchObject({ kind: 'RETURN_UPDATED', userId: 'u1', orderId: 'o1', recipient: null, data: { returnId: 'r1', status } });
    }
    expect(planFor(update('RECEIVED'), { customerId: 'u1', summary: null })?.data).toMatchObject({ refundAmount: { amount: 1250, currency: 'USD' } });
    expect(planFor(update('REJECTED'), null)?.data).toMatchObject({ rejectionReason: 'Worn' });
    expect(planFor(update('REFUNDED'), null)).toBeNull();
  });

  it('ignores events that call for no mail', () => {
    expect(planFor(createEvent('StockReleased', 'o1', { orderId: 'o1' }, origin), null)).toBeNull();
    expect(
      planFor(
        createEvent('PaymentCaptured', 'o1', { orderId: 'o1', paymentId: 'p', amount: { amount: 1, currency: 'USD' } }, origin),
        null,
      ),
    ).toBeNull();
  });
});

describe('preferences', () => {
  it('let orderUpdates switch off shipped and delivered mails only', () => {
    const off = { ...DEFAULT_PREFERENCES, orderUpdates: false };
    expect(allowedByPreferences('ORDER_SHIPPED', off)).toBe(false);
    expect(allowedByPreferences('ORDER_DELIVERED', off)).toBe(false);
    for (const kind of ['ORDER_CONFIRMED', 'ORDER_CANCELLED', 'REFUND_ISSUED', 'PASSWORD_RESET', 'WELCOME'] as const)
      expect(allowedByPreferences(kind, off)).toBe(true);
    expect(allowedByPreferences('ORDER_SHIPPED', DEFAULT_PREFERENCES)).toBe(true);
  });
});
