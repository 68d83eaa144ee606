import { randomUUID } from 'node:crypto';
import { event, newUser, orderStatus, orderSummary, startNotificationsHarness, type NotificationsHarness } from './fixtures/notifications-harness';
import { mailsTo, waitForMails } from './fixtures/mailpit';

jest.setTimeout(60_000);

// RETURN_UPDATED (issue 15): orders.v1 ReturnUpdated → one mail to the customer per step of a
// return, through the real consumer, PostgreSQL and the stack's SMTP server (Mailpit). The refund
// itself is told by REFUND_ISSUED (PaymentRefunded), so REFUNDED sends no second mail.
let h: NotificationsHarness;
beforeAll(async () => {
  h = await startNotificationsHarness();
});
afterAll(async () => {
  await h?.stop();
});

const returnUpdated = (
  orderId: string,
  customerId: string,
  returnId: string,
  status: 'REQUESTED' | 'APPROVED' | 'REJECTED' | 'RECEIVED' | 'REFUNDED',
  extra: { rejectionReason?: string; refundAmount?: number } = {},
) =>
  event(
    'ReturnUpdated',
    orderId,
    {
      returnId,
      orderId,
      customerId,
      status,
      previousStatus: null,
      lines: [{ productId: randomUUID(), quantity: 1 }],
      reason: 'too small',
      rejectionReason: extra.rejectionReason ?? null,
      refundAmount: extra.refundAmount === undefined ? null : { amount: extra.refundAmount, currency: 'USD' },
      at: new Date().toISOString(),
    },
    'orders',
  );

it('mails the customer when a return is requested, received (with the refund amount) and rejected (with why); REFUNDED is the refund mail\'s', async () => {
  const user = newUser();
  await h.publish(event('UserRegistered', user.userId, user, 'users'));
  await waitForMails(user.email, 1);
  const orderId = randomUUID();
  const summary = orderSummary();
  await h.publish(orderStatus(orderId, user.userId, 'DELIVERED', 'SHIPPED', 5, summary));
  await waitForMails(user.email, 2);

  const returnId = randomUUID();
  const requested = returnUpdated(orderId, user.userId, returnId, 'REQUESTED');
  const received = returnUpdated(orderId, user.userId, returnId, 'RECEIVED', { refundAmount: 2430 });
  const refunded = returnUpdated(orderId, user.userId, returnId, 'REFUNDED', { refundAmount: 2430 });
  const rejected = returnUpdated(orderId, user.userId, randomUUID(), 'REJECTED', { rejectionReason: 'Worn' });
  await h.publish(requested, requested, received, refunded, rejected);
  // The rejection comes last on the order's partition: once it is sent, everything before was handled.
  await h.waitForStatus(rejected.id, 'SENT');
  await h.waitForStatus(received.id, 'SENT');

  expect(await mailsTo(user.email)).toHaveLength(5); // welcome, delivered, requested, received, rejected
  const mails = await waitForMails(user.email, 5);
  const byId = (id: string) => mails.filter((m) => m.MessageID === `${id}@shopgraph.local`);
  expect(byId(requested.id)).toHaveLength(1);
  expect(byId(requested.id)[0].Subject).toBe(`Your return for order ${summary.number}: requested`);
  expect(byId(received.id)[0].Text).toContain('We received the items and are refunding $24.30.');
  expect(byId(rejected.id)[0].Text).toContain('Why: Worn');
  expect(byId(refunded.id)).toHaveLength(0);
  const kinds = await h.sql<{ kind: string }>('SELECT kind FROM notifications WHERE order_id = $1 ORDER BY created_at', [orderId]);
  expect(kinds.map((k) => k.kind)).toEqual(['ORDER_DELIVERED', 'RETURN_UPDATED', 'RETURN_UPDATED', 'RETURN_UPDATED']);
});
