import { randomUUID } from 'node:crypto';
import { startPaymentsHarness, type PaymentsHarness } from './fixtures/payments-harness';

describe('payments: AuthorizePayment through Kafka against the sandbox', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    // The breaker has its own test file; here it must not open on the deliberate 500s and timeouts.
    h = await startPaymentsHarness({ BREAKER_VOLUME_THRESHOLD: '1000' });
  });
  afterAll(async () => {
    await h?.stop();
  });
  afterEach(() => h.sandbox.setMode({ mode: 'normal' }));

  it('captures tok_visa: PaymentCaptured with the amount, card brand/last4 on the payment, exactly one charge', async () => {
    const command = await h.authorize({ token: 'tok_visa', amount: 4999 });
    const { orderId } = command.payload;

    const event = await h.waitForEvent(orderId, 'PaymentCaptured');
    const payment = await h.paymentOf(orderId);

    expect(event.payload).toEqual({ orderId, paymentId: payment.id, amount: { amount: 4999, currency: 'USD' } });
    expect(event).toMatchObject({ source: 'payments', correlationId: command.correlationId, causationId: command.id });
    expect(payment).toMatchObject({ status: 'CAPTURED', card_brand: 'visa', card_last4: '4242', failure_reason: null });
    expect(h.chargesFor(orderId)).toHaveLength(1);
    expect(h.chargesFor(orderId)[0]).toMatchObject({ amount: 4999, idempotency_key: payment.id, metadata: { order_id: orderId, payment_id: payment.id } });
  });

  it('declines tok_chargeDeclined: PaymentDeclined card_declined, zero charges, one provider call', async () => {
    const before = h.sandbox.requestCount();
    const { payload } = await h.authorize({ token: 'tok_chargeDeclined' });

    const event = await h.waitForEvent(payload.orderId, 'PaymentDeclined');

    expect(event.payload.reason).toBe('card_declined');
    expect(await h.paymentOf(payload.orderId)).toMatchObject({ status: 'DECLINED', failure_reason: 'card_declined' });
    expect(h.chargesFor(payload.orderId)).toHaveLength(0);
    expect(h.sandbox.requestCount() - before).toBe(1);
  });

  it('a card number arriving as the token (orders refuses them; here the command bypasses it) is neither stored nor sent: DECLINED invalid_payment_token', async () => {
    const before = h.sandbox.requestCount();
    const { payload } = await h.authorize({ token: '4242 4242 4242 4242' });

    const event = await h.waitForEvent(payload.orderId, 'PaymentDeclined');

    expect(event.payload.reason).toBe('invalid_payment_token');
    const payment = await h.paymentOf(payload.orderId);
    expect(payment).toMatchObject({ status: 'DECLINED', failure_reason: 'invalid_payment_token', payment_token: 'refused' });
    expect(JSON.stringify(await h.sql('SELECT * FROM payments WHERE order_id = $1', [payload.orderId]))).not.toContain('4242');
    expect(JSON.stringify(await h.eventsFor(payload.orderId))).not.toContain('4242 4242');
    expect(h.sandbox.requestCount() - before).toBe(0);
  });

  it('retries tok_processingError (1 + PROVIDER_RETRIES calls), then PaymentFailed provider_error', async () => {
    const before = h.sandbox.requestCount();
    const { payload } = await h.authorize({ token: 'tok_processingError' });

    const event = await h.waitForEvent(payload.orderId, 'PaymentFailed');

    expect(event.payload.reason).toBe('provider_error');
    expect(h.sandbox.requestCount() - before).toBe(3);
    expect(await h.paymentOf(payload.orderId)).toMatchObject({ status: 'FAILED', failure_reason: 'provider_error' });
  });

  it('tok_timeout: times out, reconciles, retries, then PaymentFailed provider_timeout with zero charges', async () => {
    const { payload } = await h.authorize({ token: 'tok_timeout' });

    const event = await h.waitForEvent(payload.orderId, 'PaymentFailed');
    const payment = await h.paymentOf(payload.orderId);

    expect(event.payload.reason).toBe('provider_timeout');
    // Unknown, not "no charge": the recovery loop checks the provider again until the settle window ends.
    expect(payment).toMatchObject({ status: 'FAILED', outcome_unknown: true });
    // three attempts of PROVIDER_TIMEOUT_MS (300) each, at the least
    expect(new Date(payment.updated_at).getTime() - new Date(payment.created_at).getTime()).toBeGreaterThanOrEqual(900);
    expect(h.chargesFor(payload.orderId)).toHaveLength(0);
  });

  it('the same AuthorizePayment delivered twice, and a second command for the order: one payment, one charge, one outcome', async () => {
    const command = await h.authorize({ token: 'tok_mastercard' });
    const { orderId } = command.payload;
    await h.redeliver(command);

    await h.waitForEvent(orderId, 'PaymentCaptured');
    await h.commandsHandled();
    const payment = await h.paymentOf(orderId);
    expect((await h.eventsFor(orderId)).map((e) => e.type)).toEqual(['PaymentCaptured']);
    expect(h.chargesFor(orderId)).toHaveLength(1);

    // A NEW command for the same order (the saga retried): the first outcome is announced again, nothing is charged.
    await h.authorize({ orderId, token: 'tok_mastercard' });
    await h.commandsHandled();
    const events = await (async () => {
      for (let i = 0; i < 100; i += 1) {
        const list = await h.eventsFor(orderId);
        if (list.length === 2) return list;
        await new Promise((r) => setTimeout(r, 50));
      }
      return h.eventsFor(orderId);
    })();
    expect(events.map((e) => [e.type, (e.payload as { paymentId: string }).paymentId])).toEqual([
      ['PaymentCaptured', payment.id],
      ['PaymentCaptured', payment.id],
    ]);
    expect(await h.sql('SELECT id FROM payments WHERE order_id = $1', [orderId])).toHaveLength(1);
    expect(h.chargesFor(orderId)).toHaveLength(1);
  });

  it('slow provider (delay > client timeout): the charge made before the delay is found by reconciliation → CAPTURED, one charge', async () => {
    h.sandbox.setMode({ mode: 'slow', delayMs: 3000 });
    const orderId = randomUUID();
    await h.authorize({ orderId, token: 'tok_amex' });

    // The provider charges at once but answers late; it recovers while the client is waiting.
    await waitUntil(() => h.chargesFor(orderId).length === 1);
    h.sandbox.setMode({ mode: 'normal' });

    const event = await h.waitForEvent(orderId, 'PaymentCaptured');
    const payment = await h.paymentOf(orderId);
    expect(event.payload.paymentId).toBe(payment.id);
    expect(payment).toMatchObject({ status: 'CAPTURED', card_brand: 'amex', provider_charge_id: h.chargesFor(orderId)[0].id });
    expect(h.chargesFor(orderId)).toHaveLength(1);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
