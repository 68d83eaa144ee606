import { randomUUID } from 'node:crypto';
import { createEvent, type EventEnvelope } from '@shopgraph/events';
import { startPaymentsHarness, type PaymentsHarness } from './fixtures/payments-harness';

// RefundPayment for a received return (issue 15): through Kafka, the real PostgreSQL and the
// provider sandbox. One refund per returnId at the provider, however often the command arrives.
describe('payments: RefundPayment for a return (returnId)', () => {
  let h: PaymentsHarness;

  async function capturedPayment(amount: number) {
    const { payload } = await h.authorize({ amount, token: 'tok_visa' });
    await h.waitForEvent(payload.orderId, 'PaymentCaptured');
    return payload.orderId;
  }
  const refundsAtSandbox = (orderId: string) => {
    const charge = h.chargesFor(orderId)[0];
    return h.sandbox.refunds().filter((r) => r.charge === charge.id).map((r) => r.amount);
  };
  const refundedEvents = async (orderId: string) =>
    (await h.eventsFor(orderId)).filter((e) => e.type === 'PaymentRefunded') as EventEnvelope<'PaymentRefunded'>[];

  beforeAll(async () => {
    h = await startPaymentsHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('refunds the amount of the return once, announces it with the returnId, and leaves the payment CAPTURED with refundedAmount', async () => {
    const orderId = await capturedPayment(5000);
    const returnId = randomUUID();
    const command = createEvent('RefundPayment', orderId, { orderId, amount: 1830, returnId }, { source: 'orders' });
    await h.redeliver(command);
    const refunded = await h.waitForEvent(orderId, 'PaymentRefunded');
    expect(refunded.payload).toMatchObject({ orderId, amount: { amount: 1830, currency: 'USD' }, returnId });
    expect(refunded.causationId).toBe(command.id);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', refunded_amount: 1830, refund_pending_amount: 0 });

    // Redelivered (same envelope) and re-sent (a new command for the same return): no second refund.
    await h.redeliver(command);
    const again = createEvent('RefundPayment', orderId, { orderId, amount: 1830, returnId }, { source: 'orders' });
    await h.redeliver(again);
    await h.commandsHandled();
    expect(refundsAtSandbox(orderId)).toEqual([1830]);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'CAPTURED', refunded_amount: 1830 });
    const [{ n }] = await h.sql<{ n: number }>('SELECT count(*)::int AS n FROM refunds WHERE return_id = $1', [returnId]);
    expect(n).toBe(1);
    // The re-sent command is answered with the same refund again, so a waiting orders hears back.
    for (let i = 0; i < 300 && (await refundedEvents(orderId)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const events = await refundedEvents(orderId);
    expect(events.map((e) => [e.payload.amount.amount, e.payload.returnId])).toEqual([
      [1830, returnId],
      [1830, returnId],
    ]);
    expect(events[1].causationId).toBe(again.id);
  });

  it('two returns of one order refund separately; the payment is REFUNDED once everything is', async () => {
    const orderId = await capturedPayment(3000);
    const [first, second] = [randomUUID(), randomUUID()];
    await h.redeliver(createEvent('RefundPayment', orderId, { orderId, amount: 1000, returnId: first }, { source: 'orders' }));
    await h.waitForEvent(orderId, 'PaymentRefunded');
    await h.redeliver(createEvent('RefundPayment', orderId, { orderId, amount: 2000, returnId: second }, { source: 'orders' }));
    await h.commandsHandled();
    for (let i = 0; i < 300 && (await refundedEvents(orderId)).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(refundsAtSandbox(orderId)).toEqual([1000, 2000]);
    expect(await h.paymentOf(orderId)).toMatchObject({ status: 'REFUNDED', refunded_amount: 3000, refund_pending_amount: 0 });
  });
});
