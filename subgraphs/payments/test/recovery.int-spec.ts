import { randomUUID } from 'node:crypto';
import { startPaymentsHarness, type PaymentsHarness } from './fixtures/payments-harness';
import { callSandbox as call, chargeBody } from '@shopgraph/payment-sandbox';
import { eventually } from '@shopgraph/testkit';

/** A PENDING payment as a process leaves it when it dies right after committing it (its lease long expired). */
async function givenPendingPayment(h: PaymentsHarness, token = 'tok_visa', amount = 1800): Promise<{ orderId: string; paymentId: string }> {
  const orderId = randomUUID();
  const paymentId = randomUUID();
  h.watch(orderId);
  await h.sql(
    `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, correlation_id, lease_until, created_at)
     VALUES ($1, $2, $3, $4, 'USD', $5, 'PENDING', $6, now() - interval '1 minute', now() - interval '1 minute')`,
    [paymentId, orderId, randomUUID(), amount, token, randomUUID()],
  );
  return { orderId, paymentId };
}

describe('payments: recovery of work a crashed process left unfinished', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    // "No charge" believed after 6 s of answers (the harness's lease is 5 s: the loop looks at a
    // payment every 5 s, so the third answered lookup is the first that may be believed).
    h = await startPaymentsHarness({ BREAKER_VOLUME_THRESHOLD: '1000', UNKNOWN_OUTCOME_SETTLE_MS: '6000' });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('on start, charges a PENDING payment that never reached the provider: CAPTURED, exactly one charge', async () => {
    await h.stopService();
    const { orderId, paymentId } = await givenPendingPayment(h);
    await h.restartService();

    const event = await h.waitForEvent(orderId, 'PaymentCaptured');
    expect(event.payload).toEqual({ orderId, paymentId, amount: { amount: 1800, currency: 'USD' } });
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', card_brand: 'visa' });
    expect(h.chargesFor(orderId)).toHaveLength(1);
    expect(h.chargesFor(orderId)[0].idempotency_key).toBe(paymentId);
  });

  it('finds a charge made before the crash by its idempotency key and never charges again', async () => {
    await h.stopService();
    const { orderId, paymentId } = await givenPendingPayment(h, 'tok_mastercard');
    // The process had reached the provider (charge made) and died before recording the answer.
    const made = await call(h.sandboxUrl, 'POST', '/v1/charges', chargeBody('tok_mastercard', paymentId, orderId, 1800));
    expect(made.status).toBe(200);
    const posts = h.sandbox.requestCount();
    await h.restartService();

    await h.waitForEvent(orderId, 'PaymentCaptured');
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', provider_charge_id: made.body.id, card_brand: 'mastercard' });
    expect(h.chargesFor(orderId)).toHaveLength(1);
    // Only the reconciliation lookup reached the provider.
    expect(h.sandbox.requestCount() - posts).toBe(1);
  });

  it('a running service resumes a payment whose lease expired (another replica died), within a few recovery intervals', async () => {
    const { orderId } = await givenPendingPayment(h, 'tok_insufficientFunds');
    const event = await h.waitForEvent(orderId, 'PaymentDeclined', 5000);
    expect(event.payload.reason).toBe('insufficient_funds');
    expect(h.chargesFor(orderId)).toHaveLength(0);
  });

  it('turns a FAILED payment whose outcome was unknown into CAPTURED when the charge turns up late', async () => {
    const orderId = randomUUID();
    const paymentId = randomUUID();
    h.watch(orderId);
    await call(h.sandboxUrl, 'POST', '/v1/charges', chargeBody('tok_visa', paymentId, orderId, 1200));
    await h.sql(
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, failure_reason, outcome_unknown, lease_until)
       VALUES ($1, $2, $3, 1200, 'USD', 'tok_visa', 'FAILED', 'provider_timeout', true, now() - interval '1 second')`,
      [paymentId, orderId, randomUUID()],
    );

    const event = await h.waitForEvent(orderId, 'PaymentCaptured', 5000);
    expect(event.payload.paymentId).toBe(paymentId);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', outcome_unknown: false, failure_reason: null });
    expect(h.chargesFor(orderId)).toHaveLength(1);
  });

  it('keeps asking after a lookup found no charge while the call is recent: a charge the provider makes later is still found', async () => {
    // A stalled provider answers its queue once it is back: the lookup can come before the charge it was holding.
    const orderId = randomUUID();
    const paymentId = randomUUID();
    h.watch(orderId);
    const before = h.sandbox.requestCount();
    await h.sql(
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, failure_reason, outcome_unknown, lease_until)
       VALUES ($1, $2, $3, 900, 'USD', 'tok_visa', 'FAILED', 'provider_timeout', true, now() - interval '1 second')`,
      [paymentId, orderId, randomUUID()],
    );
    await eventually(async () => (h.sandbox.requestCount() > before ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 500)); // the lookup's answer recorded (or not) meanwhile
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'FAILED', outcome_unknown: true });

    await call(h.sandboxUrl, 'POST', '/v1/charges', chargeBody('tok_visa', paymentId, orderId, 900));
    const event = await h.waitForEvent(orderId, 'PaymentCaptured', 20_000);
    expect(event.payload.paymentId).toBe(paymentId);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', outcome_unknown: false });
  });

  it('believes "no charge" once the call is older than UNKNOWN_OUTCOME_SETTLE_MS and the provider has answered so for as long: FAILED for good, no event', async () => {
    const orderId = randomUUID();
    const paymentId = randomUUID();
    h.watch(orderId);
    const before = h.sandbox.requestCount();
    await h.sql(
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, failure_reason, outcome_unknown, lease_until, created_at, updated_at)
       VALUES ($1, $2, $3, 900, 'USD', 'tok_visa', 'FAILED', 'provider_timeout', true, now() - interval '1 second', now() - interval '10 minutes', now() - interval '10 minutes')`,
      [paymentId, orderId, randomUUID()],
    );
    // The call is 10 minutes old, but the provider's first answer is not believed at once (a provider
    // back from a long stall may still make the charges it held).
    await eventually(async () => (h.sandbox.requestCount() > before ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'FAILED', outcome_unknown: true });
    await eventually(async () => ((await h.paymentOf(orderId)).outcome_unknown === false ? true : undefined), 30_000);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'FAILED', provider_charge_id: null });
    expect(h.chargesFor(orderId)).toHaveLength(0);
    expect(await h.eventsFor(orderId)).toEqual([]);
  });

  it('finishes a PENDING refund left by a crash, with the same idempotency key', async () => {
    const command = await h.authorize({ amount: 1000 });
    const { orderId } = command.payload;
    await h.waitForEvent(orderId, 'PaymentCaptured');
    const payment = await h.paymentOf(orderId);
    await h.stopService();
    const refundId = randomUUID();
    await h.sql(`UPDATE payments SET refund_pending_amount = 400 WHERE id = $1`, [payment.id]);
    await h.sql(
      `INSERT INTO refunds (id, payment_id, amount, status, lease_until) VALUES ($1, $2, 400, 'PENDING', now() - interval '1 second')`,
      [refundId, payment.id],
    );
    await h.restartService();

    const event = await h.waitForEvent(orderId, 'PaymentRefunded');
    expect(event.payload.amount).toEqual({ amount: 400, currency: 'USD' });
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', refunded_amount: 400, refund_pending_amount: 0 });
    expect(h.sandbox.refunds().filter((r) => r.idempotency_key === refundId)).toHaveLength(1);
  });
});
