import { Namespace, LIVE_NAMESPACE } from '@shopgraph/kit';
import { contracts, topicsIn } from './contracts';
import { causedBy, ContractViolation, createEvent, parseEvent, topicOf } from './envelope';

const created = () =>
  createEvent(
    'ProductCreated',
    'p1',
    { productId: 'p1', sku: 'SKU-1', slug: 'lamp', name: 'Lamp', price: { amount: 1999, currency: 'USD' }, active: true, initialStock: 5 },
    { source: 'products' },
  );

describe('event contracts', () => {
  it('builds an envelope that its consumers parse back unchanged', () => {
    const event = created();
    expect(event).toMatchObject({ type: 'ProductCreated', version: 1, source: 'products', aggregateId: 'p1', causationId: null });
    expect(event.correlationId).toBe(event.id);
    expect(parseEvent(Buffer.from(JSON.stringify(event)))).toEqual(event);
  });

  it('refuses to produce an event that breaks its schema', () => {
    expect(() =>
      createEvent('ProductCreated', 'p1', { productId: 'p1', initialStock: -1 } as never, { source: 'products' }),
    ).toThrow();
  });

  it('rejects malformed messages and payloads on the consumer side, and ignores unknown types', () => {
    expect(() => parseEvent('not json')).toThrow(ContractViolation);
    expect(() => parseEvent(JSON.stringify({ ...created(), id: 'nope' }))).toThrow(/bad envelope/);
    expect(() => parseEvent(JSON.stringify({ ...created(), payload: { productId: 'p1' } }))).toThrow(/ProductCreated payload/);
    expect(() => parseEvent(JSON.stringify({ ...created(), version: 2 }))).toThrow(/v2 is not v1/);
    expect(parseEvent(JSON.stringify({ ...created(), type: 'SomethingFromTheFuture' }))).toBeNull();
  });

  it('carries correlation and causation along a flow', () => {
    const cause = created();
    const effect = createEvent('StockChanged', 'p1', { productId: 'p1', onHand: 5, reserved: 0, reason: 'created' }, causedBy(cause, 'inventory'));
    expect(effect.correlationId).toBe(cause.correlationId);
    expect(effect.causationId).toBe(cause.id);
  });

  it('routes every type to one of the declared topics', () => {
    const declared = new Set<string>(Object.values(topicsIn(LIVE_NAMESPACE)));
    for (const type of Object.keys(contracts) as (keyof typeof contracts)[]) expect(declared.has(topicOf(type, LIVE_NAMESPACE))).toBe(true);
    expect(topicOf('OrderStatusChanged', LIVE_NAMESPACE)).toBe('orders.v1');
    expect(topicOf('ReserveStock', LIVE_NAMESPACE)).toBe('inventory.commands.v1');
    for (const type of ['UserRegistered', 'PasswordResetRequested', 'EmailVerificationRequested', 'PasswordChanged'] as const) {
      expect(topicOf(type, LIVE_NAMESPACE)).toBe('users.v1');
    }
  });

  it('users.v1 events carry what an email needs, tokens included, and refuse one without a recipient', () => {
    const expiresAt = new Date(Date.now() + 30 * 60_000).toISOString();
    const reset = createEvent('PasswordResetRequested', 'u1', { userId: 'u1', email: 'ann@example.com', name: 'Ann', token: 'raw-token', expiresAt }, { source: 'users' });
    expect(parseEvent(JSON.stringify(reset))).toEqual(reset);
    expect(() =>
      createEvent('EmailVerificationRequested', 'u1', { userId: 'u1', email: '', name: 'Ann', token: 't', expiresAt } as never, { source: 'users' }),
    ).toThrow();
    expect(() => createEvent('PasswordChanged', 'u1', { userId: 'u1', email: 'ann@example.com', name: 'Ann', via: 'FORGOT', at: expiresAt } as never, { source: 'users' })).toThrow();
  });

  it('names every topic inside the namespace it is given, reading nothing from the environment', () => {
    const before = process.env.KAFKA_TOPIC_PREFIX;
    process.env.KAFKA_TOPIC_PREFIX = 'ignored.';
    try {
      const run = new Namespace('run42');
      expect(topicsIn(run).orders).toBe('run42.orders.v1');
      expect(topicOf('ReserveStock', run)).toBe('run42.inventory.commands.v1');
      expect(Object.values(topicsIn(run)).every((t) => t.startsWith('run42.'))).toBe(true);
      expect(topicsIn(LIVE_NAMESPACE).orders).toBe('orders.v1');
    } finally {
      if (before === undefined) delete process.env.KAFKA_TOPIC_PREFIX;
      else process.env.KAFKA_TOPIC_PREFIX = before;
    }
  });
  it('carries returns (issue 15): RestockReturn and ReturnRestocked, RefundPayment and PaymentRefunded with a returnId, ReturnUpdated', () => {
    const origin = { source: 'orders' };
    const restock = createEvent('RestockReturn', 'o1', { returnId: 'r1', orderId: 'o1', lines: [{ productId: 'p1', variantId: 'v1', quantity: 2 }] }, origin);
    expect(topicOf('RestockReturn', LIVE_NAMESPACE)).toBe('inventory.commands.v1');
    expect(parseEvent(JSON.stringify(restock))).toEqual(restock);
    expect(() => createEvent('RestockReturn', 'o1', { returnId: 'r1', orderId: 'o1', lines: [] }, origin)).toThrow();
    expect(topicOf('ReturnRestocked', LIVE_NAMESPACE)).toBe('inventory.v1');
    const refund = createEvent('RefundPayment', 'o1', { orderId: 'o1', amount: 1250, returnId: 'r1' }, origin);
    expect(parseEvent(JSON.stringify(refund))).toEqual(refund);
    // Older commands without a returnId still parse.
    expect(createEvent('RefundPayment', 'o1', { orderId: 'o1', amount: null }, origin).payload).toEqual({ orderId: 'o1', amount: null });
    const refunded = createEvent('PaymentRefunded', 'o1', { orderId: 'o1', paymentId: 'p1', amount: { amount: 1250, currency: 'USD' }, returnId: 'r1' }, { source: 'payments' });
    expect(parseEvent(JSON.stringify(refunded))).toEqual(refunded);
    const updated = createEvent(
      'ReturnUpdated',
      'o1',
      {
        returnId: 'r1',
        orderId: 'o1',
        customerId: 'u1',
        status: 'RECEIVED',
        previousStatus: 'APPROVED',
        lines: [{ productId: 'p1', quantity: 1 }],
        reason: 'too small',
        rejectionReason: null,
        refundAmount: { amount: 1250, currency: 'USD' },
        at: new Date().toISOString(),
      },
      origin,
    );
    expect(topicOf('ReturnUpdated', LIVE_NAMESPACE)).toBe('orders.v1');
    expect(parseEvent(JSON.stringify(updated))).toEqual(updated);
    expect(() => createEvent('ReturnUpdated', 'o1', { ...updated.payload, status: 'LOST' } as never, origin)).toThrow();
  });
});
