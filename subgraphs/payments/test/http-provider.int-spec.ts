import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '@shopgraph/kit';
import { HttpPaymentProvider } from '../src/provider/http-payment.provider';
import { createProviderMetrics } from '../src/provider/provider.metrics';
import { createSandboxProvider, type SandboxProvider } from '@shopgraph/payment-sandbox';

describe('HTTP provider adapter against the sandbox (timeouts, retries, reconciliation, breaker)', () => {
  let sandbox: SandboxProvider;
  let base: string;
  const providers: HttpPaymentProvider[] = [];

  const adapter = (overrides: Partial<ConstructorParameters<typeof HttpPaymentProvider>[0]> = {}) => {
    const registry = new Registry();
    const provider = new HttpPaymentProvider({
      baseUrl: base,
      timeoutMs: 250,
      retries: 2,
      backoffBaseMs: 20,
      backoffMaxMs: 100,
      breaker: { errorThresholdPercent: 50, volumeThreshold: 100, windowMs: 10000, resetMs: 500 },
      metrics: createProviderMetrics(registry),
      log: createLogger('test', 'silent'),
      ...overrides,
    });
    providers.push(provider);
    return { provider, registry };
  };
  const charge = (provider: HttpPaymentProvider, token: string, key = randomUUID()) =>
    provider.charge({ idempotencyKey: key, amount: 1500, currency: 'USD', token, metadata: { order_id: key } });

  beforeAll(async () => {
    sandbox = createSandboxProvider({ port: 0 });
    base = (await sandbox.start()).url;
  });
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await sandbox?.stop();
  });
  beforeEach(() => sandbox.reset());

  it('captures tok_visa in one call', async () => {
    const { provider } = adapter();
    expect(await charge(provider, 'tok_visa')).toMatchObject({ kind: 'captured', cardBrand: 'visa', cardLast4: '4242', amount: 1500 });
    expect(sandbox.requestCount()).toBe(1);
  });

  it('never retries a decline', async () => {
    const { provider, registry } = adapter();
    expect(await charge(provider, 'tok_insufficientFunds')).toEqual({ kind: 'declined', reason: 'insufficient_funds' });
    expect(sandbox.requestCount()).toBe(1);
    expect(await registry.getSingleMetricAsString('payment_provider_calls_total')).toMatch(/operation="charge",outcome="declined"} 1/);
  });

  it('retries a 500 with the same key (1 + PROVIDER_RETRIES calls), then fails with provider_error', async () => {
    const { provider } = adapter();
    expect(await charge(provider, 'tok_processingError')).toEqual({ kind: 'failed', reason: 'provider_error', outcomeUnknown: false });
    expect(sandbox.requestCount()).toBe(3);
  });

  it('reconciles each timeout before retrying, then fails with provider_timeout, charges nothing, and leaves the outcome unknown (the provider may still hold a request)', async () => {
    const { provider } = adapter();
    const started = Date.now();
    // Every lookup answered "no charge", but a provider that did not answer may still act on what
    // it holds: the recovery loop settles it later (UNKNOWN_OUTCOME_SETTLE_MS, recovery.int-spec).
    expect(await charge(provider, 'tok_timeout')).toEqual({ kind: 'failed', reason: 'provider_timeout', outcomeUnknown: true });
    // 3 charge attempts, each followed by a lookup by idempotency key
    expect(sandbox.requestCount()).toBe(6);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 250);
    expect(sandbox.charges()).toHaveLength(0);
  });

  it('finds the charge of a call that timed out (slow provider) instead of charging again', async () => {
    const { provider } = adapter();
    sandbox.setMode({ mode: 'slow', delayMs: 1000 });
    const key = randomUUID();
    const outcome = charge(provider, 'tok_visa', key);
    // The provider recovers while the client waits: the lookup after the timeout finds the charge.
    await new Promise((r) => setTimeout(r, 100));
    sandbox.setMode({ mode: 'normal' });
    expect(await outcome).toMatchObject({ kind: 'captured', chargeId: sandbox.charges()[0].id });
    expect(sandbox.charges()).toHaveLength(1);
  });

  it('opens the breaker after repeated failures, then fails fast without calling; half-open probe closes it again', async () => {
    const { provider, registry } = adapter({ breaker: { errorThresholdPercent: 50, volumeThreshold: 3, windowMs: 10000, resetMs: 400 } });
    sandbox.setMode({ mode: 'fail' });
    expect(await charge(provider, 'tok_visa')).toMatchObject({ kind: 'failed', reason: 'provider_error' });
    expect(provider.breakerState()).toBe('open');
    expect(await registry.getSingleMetricAsString('payment_provider_breaker_state')).toMatch(/payment_provider_breaker_state 2/);

    const calls = sandbox.requestCount();
    const started = performance.now();
    expect(await charge(provider, 'tok_visa')).toEqual({ kind: 'failed', reason: 'provider_unavailable', outcomeUnknown: false });
    const failFastMs = performance.now() - started;
    expect(failFastMs).toBeLessThan(50);
    expect(sandbox.requestCount()).toBe(calls);

    sandbox.setMode({ mode: 'normal' });
    await new Promise((r) => setTimeout(r, 450));
    expect(provider.breakerState()).toBe('halfOpen');
    expect(await charge(provider, 'tok_visa')).toMatchObject({ kind: 'captured' });
    expect(provider.breakerState()).toBe('closed');
    expect(await registry.getSingleMetricAsString('payment_provider_breaker_state')).toMatch(/payment_provider_breaker_state 0/);
    console.log(`breaker open: charge failed fast in ${failFastMs.toFixed(2)} ms (timeout 250 ms)`);
  });

  it('refunds with retries under one key and reports a refusal as final', async () => {
    const { provider } = adapter();
    const captured = await charge(provider, 'tok_visa');
    if (captured.kind !== 'captured') throw new Error('expected a capture');
    const key = randomUUID();
    expect(await provider.refund({ idempotencyKey: key, chargeId: captured.chargeId, amount: 500 })).toMatchObject({ kind: 'refunded' });
    expect(await provider.refund({ idempotencyKey: key, chargeId: captured.chargeId, amount: 500 })).toMatchObject({ kind: 'refunded' });
    expect(sandbox.refunds()).toHaveLength(1);
    expect(await provider.refund({ idempotencyKey: randomUUID(), chargeId: captured.chargeId, amount: 1001 })).toEqual({
      kind: 'rejected',
      reason: 'amount_too_large',
    });
  });
});
