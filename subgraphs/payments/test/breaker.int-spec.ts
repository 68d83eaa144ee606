import { startPaymentsHarness, type PaymentsHarness } from './fixtures/payments-harness';

const TIMEOUT_MS = 1000;
const RESET_MS = 1500;

async function breakerGauge(h: PaymentsHarness): Promise<number> {
  const text = await (await fetch(`${h.origin}/metrics`)).text();
  const match = /^payment_provider_breaker_state\{[^}]*\} (\d+)/m.exec(text);
  if (!match) throw new Error('payment_provider_breaker_state not exposed');
  return Number(match[1]);
}

describe('payments: provider outage and the circuit breaker (through Kafka)', () => {
  let h: PaymentsHarness;

  beforeAll(async () => {
    h = await startPaymentsHarness({
      PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS),
      BREAKER_VOLUME_THRESHOLD: '3',
      BREAKER_ERROR_THRESHOLD_PERCENT: '50',
      BREAKER_RESET_MS: String(RESET_MS),
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('opens after repeated 503s, fails later payments fast with provider_unavailable, and captures again after the reset time', async () => {
    h.sandbox.setMode({ mode: 'fail' });
    expect(await breakerGauge(h)).toBe(0);

    const first = await h.authorize({ token: 'tok_visa' });
    expect((await h.waitForEvent(first.payload.orderId, 'PaymentFailed')).payload.reason).toBe('provider_error');
    expect(await breakerGauge(h)).toBe(2);

    const callsWhileOpen = h.sandbox.requestCount();
    const fastOnes = [await h.authorize({ token: 'tok_visa' }), await h.authorize({ token: 'tok_mastercard' })];
    const durations: number[] = [];
    for (const command of fastOnes) {
      const event = await h.waitForEvent(command.payload.orderId, 'PaymentFailed');
      expect(event.payload.reason).toBe('provider_unavailable');
      const payment = await h.paymentOf(command.payload.orderId);
      expect(payment).toMatchObject({ status: 'FAILED', failure_reason: 'provider_unavailable' });
      durations.push(new Date(payment.updated_at).getTime() - new Date(payment.created_at).getTime());
    }
    // Failing fast: no call reached the provider, and the payment was decided far below one timeout.
    expect(h.sandbox.requestCount()).toBe(callsWhileOpen);
    for (const ms of durations) expect(ms).toBeLessThan(TIMEOUT_MS / 4);
    console.log(`breaker open: payment decided in ${durations.join(' ms, ')} ms (provider timeout ${TIMEOUT_MS} ms)`);

    h.sandbox.setMode({ mode: 'normal' });
    await new Promise((r) => setTimeout(r, RESET_MS + 200));
    expect(await breakerGauge(h)).toBe(1);

    const after = await h.authorize({ token: 'tok_visa' });
    expect((await h.waitForEvent(after.payload.orderId, 'PaymentCaptured')).payload.amount.amount).toBe(2599);
    expect(await breakerGauge(h)).toBe(0);
    expect(h.chargesFor(after.payload.orderId)).toHaveLength(1);
    for (const command of [first, ...fastOnes]) expect(h.chargesFor(command.payload.orderId)).toHaveLength(0);

    const text = await (await fetch(`${h.origin}/metrics`)).text();
    expect(text).toMatch(/payment_provider_calls_total\{[^}]*operation="charge",outcome="breaker_open"[^}]*\} 2/);
    expect(text).toMatch(/payments_finalized_total\{[^}]*status="FAILED"[^}]*\} 3/);
    expect(text).toMatch(/payment_provider_call_duration_seconds_count\{[^}]*operation="charge"[^}]*\} 4/);
  });
});
