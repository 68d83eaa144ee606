import { randomUUID } from 'node:crypto';
import { adminViewer, customerViewer, startPaymentsHarness, type PaymentsHarness } from './fixtures/payments-harness';

const PAYMENT = `
  query Payment($id: ID!) {
    payment(id: $id) { id status amount { amount currency formatted } refundedAmount { amount } cardBrand cardLast4 failureReason order { id } createdAt updatedAt }
  }`;
const REFUND = `
  mutation Refund($paymentId: ID!, $amount: Int) {
    refundPayment(paymentId: $paymentId, amount: $amount) { payment { id status refundedAmount { amount } } errors { code message field } }
  }`;
const ORDER_PAYMENTS = `
  query Orders($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Order { id payment { id status amount { amount } } } }
  }`;

async function storeQueries(h: PaymentsHarness): Promise<number> {
  const text = await (await fetch(`${h.origin}/metrics`)).text();
  const match = /^store_queries_total\{[^}]*store="postgres"[^}]*\} (\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

describe('payments API: payment(id), refundPayment, RefundPayment command, Order.payment', () => {
  let h: PaymentsHarness;

  /** A captured payment of `amount` for a new order of `customerId`, through Kafka and the sandbox. */
  async function capturedPayment(amount = 1000, customerId = randomUUID()) {
    const { payload } = await h.authorize({ amount, customerId, token: 'tok_visa' });
    await h.waitForEvent(payload.orderId, 'PaymentCaptured');
    const row = await h.paymentOf(payload.orderId);
    return { orderId: payload.orderId, paymentId: row.id as string, customerId };
  }

  beforeAll(async () => {
    h = await startPaymentsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('Payment references (_entities) resolve only for the order\'s customer or an ADMIN, like payment(id)', async () => {
    const { paymentId, customerId } = await capturedPayment(1234);
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Payment { id amount { amount } cardLast4 } } }`;
    const r = [{ __typename: 'Payment', id: paymentId }];
    const stranger = await h.call(query, { r }, customerViewer());
    expect(stranger.body.data!._entities).toEqual([null]);
    expect(stranger.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
    expect(stranger.text).not.toContain('1234');
    expect((await h.call(query, { r }, null)).body.errors!.map((e) => e.extensions!.code)).toEqual(['UNAUTHENTICATED']);
    for (const viewer of [customerViewer(customerId), adminViewer()]) {
      const res = await h.call(query, { r }, viewer);
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!._entities).toEqual([{ id: paymentId, amount: { amount: 1234 }, cardLast4: '4242' }]);
    }
  });

  it('payment(id): the order\'s customer and ADMIN see it, another customer is FORBIDDEN, anonymous UNAUTHENTICATED, unknown ids null', async () => {
    const { paymentId, orderId, customerId } = await capturedPayment(2599);

    const own = await h.call(PAYMENT, { id: paymentId }, customerViewer(customerId));
    expect(own.body.errors).toBeUndefined();
    expect(own.body.data!.payment).toMatchObject({
      id: paymentId,
      status: 'CAPTURED',
      amount: { amount: 2599, currency: 'USD', formatted: '$25.99' },
      refundedAmount: { amount: 0 },
      cardBrand: 'visa',
      cardLast4: '4242',
      failureReason: null,
      order: { id: orderId },
    });
    expect((await h.call(PAYMENT, { id: paymentId }, adminViewer())).body.data!.payment.id).toBe(paymentId);

    const other = await h.call(PAYMENT, { id: paymentId }, customerViewer());
    expect(other.body.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect(other.body.data!.payment).toBeNull();
    expect((await h.call(PAYMENT, { id: paymentId }, null)).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');

    for (const id of [randomUUID(), 'not-a-uuid']) {
      const unknown = await h.call(PAYMENT, { id }, adminViewer());
      expect(unknown.body).toEqual({ data: { payment: null } });
    }
  });

  it('refundPayment (ADMIN): partial, over-refund refused, the remainder → REFUNDED, then nothing left; CUSTOMER and anonymous refused', async () => {
    const { paymentId, orderId, customerId } = await capturedPayment(1000);
    const admin = adminViewer();

    expect((await h.call(REFUND, { paymentId, amount: 100 }, customerViewer(customerId))).body.errors![0].extensions!.code).toBe('FORBIDDEN');
    expect((await h.call(REFUND, { paymentId, amount: 100 }, null)).body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');

    const partial = await h.call(REFUND, { paymentId, amount: 300 }, admin);
    expect(partial.body.data!.refundPayment).toEqual({ payment: { id: paymentId, status: 'CAPTURED', refundedAmount: { amount: 300 } }, errors: [] });
    expect((await h.waitForEvent(orderId, 'PaymentRefunded')).payload.amount).toEqual({ amount: 300, currency: 'USD' });

    const tooMuch = await h.call(REFUND, { paymentId, amount: 800 }, admin);
    expect(tooMuch.body.data!.refundPayment).toEqual({
      payment: null,
      errors: [{ code: 'INVALID_INPUT', message: 'At most 700 can still be refunded', field: ['amount'] }],
    });
    expect((await h.call(REFUND, { paymentId, amount: 0 }, admin)).body.data!.refundPayment.errors[0].code).toBe('INVALID_INPUT');

    const rest = await h.call(REFUND, { paymentId, amount: null }, admin);
    expect(rest.body.data!.refundPayment).toEqual({ payment: { id: paymentId, status: 'REFUNDED', refundedAmount: { amount: 1000 } }, errors: [] });

    const again = await h.call(REFUND, { paymentId }, admin);
    expect(again.body.data!.refundPayment.errors[0].code).toBe('CONFLICT');
    expect((await h.call(REFUND, { paymentId: randomUUID(), amount: 5 }, admin)).body.data!.refundPayment.errors[0].code).toBe('NOT_FOUND');

    const charge = h.chargesFor(orderId)[0];
    expect(h.sandbox.refunds().filter((r) => r.charge === charge.id).map((r) => r.amount)).toEqual([300, 700]);
    const refunded = await eventuallyRefunded(h, orderId, 2);
    expect(refunded.map((e) => (e.payload as { amount: { amount: number } }).amount.amount)).toEqual([300, 700]);
  });

  it('concurrent full refunds of one payment: exactly one succeeds, the provider refunds once', async () => {
    const { paymentId, orderId } = await capturedPayment(500);
    const answers = await Promise.all(Array.from({ length: 8 }, () => h.call(REFUND, { paymentId }, adminViewer())));
    const ok = answers.filter((a) => a.body.data!.refundPayment.errors.length === 0);
    expect(ok).toHaveLength(1);
    expect(answers.filter((a) => a.body.data!.refundPayment.errors[0]?.code === 'CONFLICT')).toHaveLength(7);
    const charge = h.chargesFor(orderId)[0];
    expect(h.sandbox.refunds().filter((r) => r.charge === charge.id).map((r) => r.amount)).toEqual([500]);
  });

  it('RefundPayment command: a partial amount, then null for the rest → REFUNDED; once nothing is left, a further command changes nothing', async () => {
    const { paymentId, orderId } = await capturedPayment(1000);

    await h.refund(orderId, 400);
    await eventuallyRefunded(h, orderId, 1);
    await h.refund(orderId, null);
    const events = await eventuallyRefunded(h, orderId, 2);
    expect(events.map((e) => e.payload)).toEqual([
      { orderId, paymentId, amount: { amount: 400, currency: 'USD' } },
      { orderId, paymentId, amount: { amount: 600, currency: 'USD' } },
    ]);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'REFUNDED', refunded_amount: 1000, refund_pending_amount: 0 });

    const redelivered = await h.refund(orderId, null);
    await h.redeliver(redelivered);
    await h.commandsHandled();
    expect(await eventuallyRefunded(h, orderId, 2)).toHaveLength(2);
    const charge = h.chargesFor(orderId)[0];
    expect(h.sandbox.refunds().filter((r) => r.charge === charge.id).map((r) => r.amount)).toEqual([400, 600]);
  });

  it('RefundPayment for an order whose payment was declined (nothing captured) is a no-op', async () => {
    const { payload } = await h.authorize({ token: 'tok_chargeDeclined' });
    await h.waitForEvent(payload.orderId, 'PaymentDeclined');
    const before = h.sandbox.refunds().length;
    await h.refund(payload.orderId, null);
    await h.commandsHandled();
    expect(h.sandbox.refunds()).toHaveLength(before);
    expect((await h.eventsFor(payload.orderId)).map((e) => e.type)).toEqual(['PaymentDeclined']);
    expect(await h.paymentOf(payload.orderId)).toMatchObject({ status: 'DECLINED', refunded_amount: 0 });
  });

  it('Order.payment for 10 orders through _entities costs one SQL query, and is null for an order without payment', async () => {
    const orderIds = Array.from({ length: 10 }, () => randomUUID());
    for (const [i, orderId] of orderIds.entries()) {
      await h.sql(
        `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, card_brand, card_last4, lease_until)
         VALUES ($1, $2, $3, $4, 'USD', 'tok_visa', 'CAPTURED', 'visa', '4242', now() + interval '1 hour')`,
        [randomUUID(), orderId, randomUUID(), 100 + i],
      );
    }
    const representations = [...orderIds, randomUUID()].map((id) => ({ __typename: 'Order', id }));

    // Background work (outbox relay poll, recovery loop) also queries; the smallest delta of a few tries is the request's own.
    const deltas: number[] = [];
    let last: any;
    for (let i = 0; i < 5; i += 1) {
      const before = await storeQueries(h);
      last = await h.call(ORDER_PAYMENTS, { representations }, adminViewer());
      deltas.push((await storeQueries(h)) - before);
    }
    expect(last.body.errors).toBeUndefined();
    const entities = last.body.data._entities;
    expect(entities.slice(0, 10).map((o: any) => [o.id, o.payment.status, o.payment.amount.amount])).toEqual(
      orderIds.map((id, i) => [id, 'CAPTURED', 100 + i]),
    );
    expect(entities[10].payment).toBeNull();
    expect(Math.min(...deltas)).toBe(1);
    console.log(`_entities for 11 orders: store queries per request ${deltas.join(', ')} (min = the request's own)`);

    const forbidden = await h.call(ORDER_PAYMENTS, { representations: representations.slice(0, 1) }, customerViewer());
    expect(forbidden.body.errors![0].extensions!.code).toBe('FORBIDDEN');
  });
});

async function eventuallyRefunded(h: PaymentsHarness, orderId: string, count: number) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const list = (await h.eventsFor(orderId)).filter((e) => e.type === 'PaymentRefunded');
    if (list.length >= count) return list;
    if (Date.now() > deadline) throw new Error(`expected ${count} PaymentRefunded for ${orderId}, got ${list.length}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
