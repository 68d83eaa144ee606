import { contracts, Topics } from './contracts';
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
    const declared = new Set<string>(Object.values(Topics));
    for (const type of Object.keys(contracts) as (keyof typeof contracts)[]) expect(declared.has(topicOf(type))).toBe(true);
    expect(topicOf('OrderStatusChanged')).toBe('orders.v1');
    expect(topicOf('ReserveStock')).toBe('inventory.commands.v1');
  });

  it('namespaces every topic with KAFKA_TOPIC_PREFIX, so test runs do not hear each other', () => {
    const before = process.env.KAFKA_TOPIC_PREFIX;
    try {
      process.env.KAFKA_TOPIC_PREFIX = 'run42.';
      expect(Topics.orders).toBe('run42.orders.v1');
      expect(topicOf('ReserveStock')).toBe('run42.inventory.commands.v1');
      expect(Object.values(Topics).every((t) => t.startsWith('run42.'))).toBe(true);
    } finally {
      if (before === undefined) delete process.env.KAFKA_TOPIC_PREFIX;
      else process.env.KAFKA_TOPIC_PREFIX = before;
    }
    expect(Topics.orders).toBe(`${before ?? ''}orders.v1`);
  });
});
