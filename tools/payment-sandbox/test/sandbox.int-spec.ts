import { randomUUID } from 'node:crypto';
import { createSandboxProvider, type SandboxProvider } from '../src/sandbox.provider';
import { call, chargeBody } from '../src/sandbox-client';

describe('payment provider sandbox', () => {
  let sandbox: SandboxProvider;
  let base: string;

  beforeAll(async () => {
    sandbox = createSandboxProvider({ port: 0 });
    base = (await sandbox.start()).url;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });
  beforeEach(() => sandbox.reset());

  it.each([
    ['tok_visa', 'visa', '4242'],
    ['tok_mastercard', 'mastercard', '4444'],
    ['tok_amex', 'amex', '8431'],
  ])('captures %s and reports the card', async (token, brand, last4) => {
    const res = await call(base, 'POST', '/v1/charges', chargeBody(token, randomUUID()));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^ch_/), status: 'succeeded', amount: 2599, currency: 'usd', card: { brand, last4 } });
    expect(sandbox.charges()).toHaveLength(1);
  });

  it.each([
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_insufficientFunds', 'insufficient_funds'],
  ])('declines %s with 402 %s and charges nothing', async (token, code) => {
    const res = await call(base, 'POST', '/v1/charges', chargeBody(token, randomUUID()));
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe(code);
    expect(sandbox.charges()).toHaveLength(0);
  });

  it('answers 500 for tok_processingError and charges nothing', async () => {
    const res = await call(base, 'POST', '/v1/charges', chargeBody('tok_processingError', randomUUID()));
    expect(res.status).toBe(500);
    expect(sandbox.charges()).toHaveLength(0);
  });

  it('never answers tok_timeout (the client gives up) and charges nothing', async () => {
    const started = Date.now();
    await expect(call(base, 'POST', '/v1/charges', chargeBody('tok_timeout', randomUUID()), 300)).rejects.toThrow(/abort|timeout/i);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sandbox.charges()).toHaveLength(0);
  });

  it('refuses an unknown token and a bad amount with 400', async () => {
    expect((await call(base, 'POST', '/v1/charges', chargeBody('tok_nope', randomUUID()))).status).toBe(400);
    expect((await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', randomUUID(), 'o', -1))).status).toBe(400);
  });

  it('returns the same charge for the same idempotency key, sequentially and concurrently, and charges once', async () => {
    const key = randomUUID();
    const first = await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key));
    const again = await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key));
    expect(again.body.id).toBe(first.body.id);

    const concurrentKey = randomUUID();
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(base, 'POST', '/v1/charges', chargeBody('tok_visa', concurrentKey))));
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sandbox.charges()).toHaveLength(2);
  });

  it('refuses the same idempotency key with other parameters', async () => {
    const key = randomUUID();
    await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key, 'o', 100));
    const other = await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key, 'o', 200));
    expect(other).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_reused' } } });
    expect(sandbox.charges()).toHaveLength(1);
  });

  it('finds a charge by idempotency key (reconciliation) and lists charges by order', async () => {
    const key = randomUUID();
    const made = await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key, 'order-77'));
    expect(await call(base, 'GET', `/v1/charges?idempotency_key=${key}`)).toMatchObject({ status: 200, body: { id: made.body.id } });
    expect((await call(base, 'GET', `/v1/charges?idempotency_key=${randomUUID()}`)).status).toBe(404);
    const listed = await call(base, 'GET', '/v1/charges?metadata_order_id=order-77');
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([made.body.id]);
  });

  it('refunds partially then the rest, never more than captured, idempotently', async () => {
    const charge = (await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', randomUUID(), 'o', 1000))).body;
    const key = randomUUID();
    const part = await call(base, 'POST', '/v1/refunds', { charge: charge.id, amount: 300, idempotency_key: key });
    expect(part).toMatchObject({ status: 200, body: { amount: 300, charge: charge.id } });
    expect((await call(base, 'POST', '/v1/refunds', { charge: charge.id, amount: 300, idempotency_key: key })).body.id).toBe(part.body.id);
    const tooMuch = await call(base, 'POST', '/v1/refunds', { charge: charge.id, amount: 701, idempotency_key: randomUUID() });
    expect(tooMuch).toMatchObject({ status: 400, body: { error: { code: 'amount_too_large' } } });
    const rest = await call(base, 'POST', '/v1/refunds', { charge: charge.id, idempotency_key: randomUUID() });
    expect(rest.body.amount).toBe(700);
    expect(sandbox.charges()[0]).toMatchObject({ amount_refunded: 1000, refunded: true });
    expect(sandbox.refunds()).toHaveLength(2);
    expect((await call(base, 'POST', '/v1/refunds', { charge: 'ch_nope', idempotency_key: randomUUID() })).status).toBe(404);
  });

  it('fail mode answers 503 to every call, and normal mode works again afterwards', async () => {
    expect((await call(base, 'POST', '/_sandbox/mode', { mode: 'fail' })).status).toBe(200);
    expect((await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', randomUUID()))).status).toBe(503);
    expect((await call(base, 'GET', `/v1/charges?idempotency_key=x`)).status).toBe(503);
    expect((await call(base, 'POST', '/v1/refunds', { charge: 'x', idempotency_key: 'y' })).status).toBe(503);
    expect(sandbox.charges()).toHaveLength(0);
    await call(base, 'POST', '/_sandbox/mode', { mode: 'normal' });
    expect((await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', randomUUID()))).status).toBe(200);
    expect((await call(base, 'POST', '/_sandbox/mode', { mode: 'sideways' })).status).toBe(400);
  });

  it('slow mode makes the charge before the delay: a client that times out finds it by key, and a retry does not charge again', async () => {
    await call(base, 'POST', '/_sandbox/mode', { mode: 'slow', delayMs: 800 });
    const key = randomUUID();
    await expect(call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key), 200)).rejects.toThrow(/abort|timeout/i);
    expect(sandbox.charges()).toHaveLength(1);
    const slowLookup = Date.now();
    expect((await call(base, 'GET', `/v1/charges?idempotency_key=${key}`)).status).toBe(200);
    expect(Date.now() - slowLookup).toBeGreaterThanOrEqual(750);
    sandbox.setMode({ mode: 'normal' });
    const retried = await call(base, 'POST', '/v1/charges', chargeBody('tok_visa', key));
    expect(retried.body.id).toBe(sandbox.charges()[0].id);
    expect(sandbox.charges()).toHaveLength(1);
  });

  it('answers /health/live', async () => {
    expect(await call(base, 'GET', '/health/live')).toEqual({ status: 200, body: { status: 'ok' } });
  });
});
