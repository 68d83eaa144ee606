import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { createEvent, createKafka, createProducer, publish, topicsIn, type EventEnvelope } from '@shopgraph/events';
import { createLogger } from '@shopgraph/kit';
import { eventually, stackEnv, testNamespace } from '@shopgraph/testkit';
import { handleProductCreated } from '../src/events/product-created.handler';
import { startInventorySubgraph, type TestInventorySubgraph } from './fixtures/inventory-subgraph';

const ENTITY = `
  query One($representations: [_Any!]!) {
    _entities(representations: $representations) { ... on Product { id inStock stock { onHand reserved available } } }
  }`;

function productCreated(initialStock: number): EventEnvelope<'ProductCreated'> {
  const productId = randomUUID();
  return createEvent(
    'ProductCreated',
    productId,
    { productId, sku: `SKU-${productId.slice(0, 8)}`, slug: `p-${productId}`, name: 'Test product', price: { amount: 1999, currency: 'USD' }, active: true, initialStock },
    { source: 'products' },
  );
}

describe('inventory subgraph: stock records from products.v1', () => {
  let inv: TestInventorySubgraph;
  let kafka: Kafka;
  let producer: Producer;

  beforeAll(async () => {
    inv = await startInventorySubgraph({ CONSUMERS: 'products' });
    kafka = createKafka(stackEnv.kafkaBrokers, 'inventory-test-producer', createLogger('test', 'silent'));
    producer = await createProducer(kafka);
  });
  afterAll(async () => {
    await producer?.disconnect();
    await inv?.stop();
  });

  it('shows a ProductCreated produced to Kafka as stock through _entities within a bounded wait', async () => {
    const event = productCreated(17);
    const { productId } = event.payload;
    const sent = Date.now();
    await publish(producer, [event], testNamespace());

    const stock = await eventually(async () => {
      const res = await inv.call(ENTITY, { representations: [{ __typename: 'Product', id: productId }] });
      const entity = res.body.data?._entities?.[0];
      return entity?.stock.onHand === 17 ? entity : undefined;
    }, 10000, 10);
    const delayMs = Date.now() - sent;
    console.log(`ProductCreated → stock visible through _entities after ${delayMs} ms`);

    expect(stock).toEqual({ id: productId, inStock: true, stock: { onHand: 17, reserved: 0, available: 17 } });
    expect(delayMs).toBeLessThan(5000);
    // The record's own StockChanged goes out through the outbox and the relay, caused by the product event.
    await eventually(async () => {
      const [row] = await inv.sql(`SELECT envelope, sent_at FROM outbox WHERE key = $1`, [productId]);
      return row?.sent_at ? row : undefined;
    });
    const [row] = await inv.sql(`SELECT envelope FROM outbox WHERE key = $1`, [productId]);
    expect(row.envelope).toMatchObject({ type: 'StockChanged', causationId: event.id, correlationId: event.correlationId, payload: { onHand: 17, reserved: 0 } });
  });

  it('creates one record for the same envelope delivered twice through Kafka, and changes nothing the second time', async () => {
    const event = productCreated(8);
    const { productId } = event.payload;
    await publish(producer, [event], testNamespace());
    await eventually(async () => ((await inv.stockOf(productId)) ? true : undefined));
    await inv.givenStock(productId, 10, 3); // restocked and 3 held since: a replay must not reset it

    const admin = kafka.admin();
    await admin.connect();
    try {
      const before = await admin.fetchTopicOffsets(topicsIn(testNamespace()).products);
      await publish(producer, [event], testNamespace());
      // The duplicate has been handled once the group's committed offsets reach the end of every
      // partition that grew since (the duplicate's, and any that other tests wrote to meanwhile).
      const after = await admin.fetchTopicOffsets(topicsIn(testNamespace()).products);
      const grown = after.filter((end) => before.find((b) => b.partition === end.partition)?.high !== end.high);
      expect(grown.length).toBeGreaterThan(0);
      await eventually(async () => {
        const [{ partitions }] = await admin.fetchOffsets({ groupId: inv.groupId, topics: [topicsIn(testNamespace()).products] });
        const caughtUp = grown.every((end) => BigInt(partitions.find((p) => p.partition === end.partition)?.offset ?? '-1') >= BigInt(end.high));
        return caughtUp ? true : undefined;
      }, 10000);
    } finally {
      await admin.disconnect();
    }

    expect(await inv.stockOf(productId)).toEqual({ onHand: 10, reserved: 3, available: 7 });
    const [movements] = await inv.sql(`SELECT count(*)::int AS n FROM stock_movements WHERE product_id = $1`, [productId]);
    expect(movements.n).toBe(1);
    expect(await inv.outboxTypes(productId)).toEqual(['StockChanged']);
  });

  it('is idempotent when the handler runs twice, and keeps an existing record under a new event id', async () => {
    const event = productCreated(4);
    const { productId } = event.payload;
    expect(await handleProductCreated(inv.service.dataSource, inv.service.services.stock, event)).toBe(true);
    expect(await handleProductCreated(inv.service.dataSource, inv.service.services.stock, event)).toBe(false);

    // A second ProductCreated for the same product (say, re-published by products): ON CONFLICT keeps the record.
    const republished = { ...event, id: randomUUID(), payload: { ...event.payload, initialStock: 99 } };
    expect(await handleProductCreated(inv.service.dataSource, inv.service.services.stock, republished)).toBe(false);

    expect(await inv.stockOf(productId)).toEqual({ onHand: 4, reserved: 0, available: 4 });
    expect(await inv.outboxTypes(productId)).toEqual(['StockChanged']);
  });
});
