import { Writable } from 'node:stream';
import { MongoClient } from 'mongodb';
import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Registry } from 'prom-client';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { createLogger, startTracing, withSpan, type Tracing } from '@shopgraph/kit';
import { createTestDatabase, eventually, stackEnv, testDatabaseName, testGroupId, testNamespace, uniqueId } from '@shopgraph/testkit';
import {
  causedBy,
  createEvent,
  createKafka,
  createProducer,
  CreateOutboxAndInbox1767225500000,
  enqueueEvents,
  ensureTopics,
  MongoOutboxRelay,
  outboxOnInsert,
  PostgresOutboxRelay,
  processOnce,
  startConsumer,
  topicsIn,
  type EventEnvelope,
  type RunningConsumer,
} from '../src';

// W3C trace context through the transactional outbox and Kafka, with the real SDK (in-memory
// exporter), the real PostgreSQL, Kafka and Mongo-wire server of the local stack:
// request span → event (envelope.traceparent, stored in the outbox row) → relay's PRODUCER span
// (traceparent in the Kafka headers) → consumer's CONSUMER span → the event its handler emits →
// the next PRODUCER and CONSUMER spans: one trace. Consumer log lines carry the trace id and the
// flow's correlation id.

const ns = testNamespace();
const topics = topicsIn(ns);
const exporter = new InMemorySpanExporter();
let tracing: Tracing;

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    done();
  },
});
const log = createLogger('events-trace-test', 'info', sink);
const quiet = createLogger('events-trace-test', 'silent');
const kafka = createKafka(stackEnv.kafkaBrokers, 'events-trace-test', quiet);
let producer: Producer;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let ds: DataSource;
let relay: PostgresOutboxRelay;
let consumer: RunningConsumer;
const received: EventEnvelope[] = [];
const registry = new Registry();
/** Aggregate ids whose StockChanged handler fails once (to show the error on the consumer span). */
const failOnce = new Set<string>();

const spans = () => exporter.getFinishedSpans();
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const ofTrace = (traceId: string) => spans().filter((s) => s.spanContext().traceId === traceId);
const attr = (s: ReadableSpan, key: string) => s.attributes[key];

beforeAll(async () => {
  tracing = startTracing({ serviceName: 'events-trace-test', spanProcessors: [new SimpleSpanProcessor(exporter)], instrument: false });
  await ensureTopics(kafka, [topics.inventory, topics.products]);
  producer = await createProducer(kafka);
  db = await createTestDatabase('events_trace');
  ds = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateOutboxAndInbox1767225500000], logging: false });
  await ds.initialize();
  await ds.runMigrations();
  relay = new PostgresOutboxRelay({ dataSource: ds, url: db.url, producer, namespace: ns, log: quiet, pollIntervalMs: 5000 });
  await relay.start();
  consumer = await startConsumer({
    kafka,
    groupId: testGroupId('events-trace'),
    topics: [topics.inventory, topics.products],
    log: quiet,
    metrics: registry,
    handle: async (event) => {
      received.push(event);
      if (event.type !== 'StockChanged' || !event.aggregateId.startsWith('traced-')) return;
      log.info({ step: 'stock-changed-handler' }, 'handling StockChanged');
      if (failOnce.delete(event.aggregateId)) throw new Error('handler failed once');
      // The saga's next step: an event emitted by the handler, through the outbox again.
      await processOnce(ds, 'trace-test', event, (m) =>
        enqueueEvents(m, [
          createEvent('ProductArchived', event.aggregateId, { productId: event.aggregateId }, causedBy(event, 'events-trace-test')),
        ]),
      );
    },
  });
  const probeId = uniqueId('probe');
  await eventually(async () => {
    await producer.send({
      topic: topics.inventory,
      messages: [
        {
          key: probeId,
          value: JSON.stringify(
            createEvent('StockChanged', probeId, { productId: probeId, onHand: 1, reserved: 0, reason: 'probe' }, { source: 't' }),
          ),
        },
      ],
    });
    await new Promise((r) => setTimeout(r, 300));
    return received.some((e) => e.aggregateId === probeId) ? true : undefined;
  }, 60_000);
}, 90_000);

afterAll(async () => {
  await consumer?.stop();
  await relay?.stop();
  await producer?.disconnect();
  await ds?.destroy();
  await db?.drop();
  await tracing?.shutdown();
});

/** Enqueues a StockChanged for `productId` inside a "request" span; returns that span's ids. */
async function placeInRequestSpan(productId: string): Promise<{ traceId: string; spanId: string; event: EventEnvelope }> {
  return withSpan('POST /graphql placeOrder', { kind: SpanKind.SERVER }, async (span) => {
    const event = createEvent(
      'StockChanged',
      productId,
      { productId, onHand: 3, reserved: 1, reason: 'order' },
      { source: 'events-trace-test', correlationId: `req-${productId}` },
    );
    await ds.transaction((m) => enqueueEvents(m, [event]));
    return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, event };
  });
}

describe('trace context through the outbox and Kafka', () => {
  it('makes the request, both Kafka hops and the handler one trace, parent by parent', async () => {
    const productId = uniqueId('traced-');
    const root = await placeInRequestSpan(productId);

    // The event (and so the outbox row) records the span it was created in.
    const [row] = await ds.query('SELECT envelope FROM outbox WHERE id = $1', [root.event.id]);
    expect(row.envelope.traceparent).toBe(`00-${root.traceId}-${root.spanId}-01`);

    const archived = await eventually(
      async () => received.find((e) => e.type === 'ProductArchived' && e.aggregateId === productId),
      30_000,
    );
    await eventually(
      async () => (ofTrace(root.traceId).filter((s) => s.kind === SpanKind.CONSUMER).length >= 2 ? true : undefined),
      10_000,
    );

    const trace = ofTrace(root.traceId);
    const producer1 = trace.find((s) => s.kind === SpanKind.PRODUCER && attr(s, 'messaging.message.id') === root.event.id)!;
    const consumer1 = trace.find((s) => s.kind === SpanKind.CONSUMER && attr(s, 'messaging.message.id') === root.event.id)!;
    const producer2 = trace.find((s) => s.kind === SpanKind.PRODUCER && attr(s, 'messaging.message.id') === archived.id)!;
    const consumer2 = trace.find((s) => s.kind === SpanKind.CONSUMER && attr(s, 'messaging.message.id') === archived.id)!;
    expect(producer1).toBeDefined();
    expect(consumer1).toBeDefined();
    expect(producer2).toBeDefined();
    expect(consumer2).toBeDefined();

    expect(parentOf(producer1)).toBe(root.spanId);
    expect(producer1.name).toBe(`${topics.inventory} publish`);
    expect(attr(producer1, 'messaging.destination.name')).toBe(topics.inventory);
    expect(parentOf(consumer1)).toBe(producer1.spanContext().spanId);
    expect(consumer1.name).toBe(`${topics.inventory} process`);
    expect(consumer1.status.code).not.toBe(SpanStatusCode.ERROR);
    // The handler's event was created inside the consumer span, and continues from it.
    expect(archived.traceparent).toBe(`00-${root.traceId}-${consumer1.spanContext().spanId}-01`);
    expect(archived.correlationId).toBe(`req-${productId}`);
    expect(parentOf(producer2)).toBe(consumer1.spanContext().spanId);
    expect(parentOf(consumer2)).toBe(producer2.spanContext().spanId);
    expect(attr(consumer2, 'shopgraph.event.type')).toBe('ProductArchived');

    // The handler's log line carries the flow's request id, the event and the trace.
    const line = lines.find((l) => l.step === 'stock-changed-handler' && l.eventId === root.event.id);
    expect(line).toMatchObject({
      requestId: `req-${productId}`,
      eventType: 'StockChanged',
      traceId: root.traceId,
      spanId: consumer1.spanContext().spanId,
    });

    // The consumer reports its lag per topic (caught up here).
    const lag = await registry.getSingleMetric('kafka_consumer_lag')!.get();
    const inventoryLag = lag.values.find((v) => v.labels.topic === topics.inventory);
    expect(inventoryLag).toBeDefined();
    expect(inventoryLag!.value).toBe(0);
  });

  it('records a failing handler on its consumer span and continues the same trace on redelivery', async () => {
    const productId = uniqueId('traced-');
    failOnce.add(productId);
    const root = await placeInRequestSpan(productId);
    await eventually(async () => received.find((e) => e.type === 'ProductArchived' && e.aggregateId === productId), 60_000);
    const handled = ofTrace(root.traceId).filter((s) => s.kind === SpanKind.CONSUMER && attr(s, 'messaging.message.id') === root.event.id);
    expect(handled.length).toBeGreaterThanOrEqual(2);
    const failed = handled.filter((s) => s.status.code === SpanStatusCode.ERROR);
    expect(failed).toHaveLength(1);
    expect(failed[0].status.message).toBe('handler failed once');
    expect(failed[0].events.some((e) => e.name === 'exception')).toBe(true);
    expect(handled.some((s) => s.status.code !== SpanStatusCode.ERROR)).toBe(true);
  });

  it('links a relay batch carrying events of several traces to each of them', async () => {
    await relay.stop();
    try {
      const a = uniqueId('batch-a');
      const b = uniqueId('batch-b');
      const mk = (id: string) =>
        withSpan(`request ${id}`, { kind: SpanKind.SERVER }, async (span) => ({
          traceId: span.spanContext().traceId,
          event: createEvent(
            'StockChanged',
            id,
            { productId: id, onHand: 1, reserved: 0, reason: 'batch' },
            { source: 'events-trace-test' },
          ),
        }));
      const [ea, eb] = [await mk(a), await mk(b)];
      await ds.transaction((m) => enqueueEvents(m, [ea.event, eb.event]));
      // While unsent they show in the relay's backlog figures (outbox_backlog, outbox_oldest_unsent_age_seconds).
      await new Promise((r) => setTimeout(r, 1100));
      const pending = await relay.stats();
      expect(pending.backlog).toBeGreaterThanOrEqual(2);
      expect(pending.oldestAgeSeconds).toBeGreaterThanOrEqual(1);
      expect(await relay.drainOnce()).toBeGreaterThanOrEqual(2);
      const batch = spans().find((s) => s.name === 'outbox publish batch' && s.links.some((l) => l.context.traceId === ea.traceId));
      expect(batch).toBeDefined();
      expect(batch!.links.map((l) => l.context.traceId)).toEqual(expect.arrayContaining([ea.traceId, eb.traceId]));
      // Each event's own producer span stays in its own trace, linked to the batch.
      const pa = spans().find((s) => s.kind === SpanKind.PRODUCER && attr(s, 'messaging.message.id') === ea.event.id)!;
      expect(pa.spanContext().traceId).toBe(ea.traceId);
      expect(pa.links.map((l) => l.context.spanId)).toContain(batch!.spanContext().spanId);
    } finally {
      await relay.start();
    }
  });

  it('carries the trace through the Mongo outbox (events kept in the document)', async () => {
    const client = await MongoClient.connect(stackEnv.mongoUrl);
    const dbName = testDatabaseName('events_trace');
    const collection = client.db(dbName).collection<{ _id: string }>('products');
    const mongoRelay = new MongoOutboxRelay({
      collections: [collection as never],
      producer,
      namespace: ns,
      log: quiet,
      pollIntervalMs: 200,
    });
    try {
      const productId = uniqueId('mongo');
      const root = await withSpan('POST /graphql createProduct', { kind: SpanKind.SERVER }, async (span) => {
        const event = createEvent('ProductArchived', productId, { productId }, { source: 'events-trace-test' });
        await collection.insertOne({ _id: productId, ...outboxOnInsert([event]) });
        return { traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, event };
      });
      await new Promise((r) => setTimeout(r, 1100));
      expect(await mongoRelay.oldestAgeSeconds()).toBeGreaterThanOrEqual(1);
      await mongoRelay.start();
      await eventually(async () => received.find((e) => e.id === root.event.id), 30_000);
      const consumed = await eventually(
        async () => ofTrace(root.traceId).find((s) => s.kind === SpanKind.CONSUMER && attr(s, 'messaging.message.id') === root.event.id),
        10_000,
      );
      const produced = ofTrace(root.traceId).find(
        (s) => s.kind === SpanKind.PRODUCER && attr(s, 'messaging.message.id') === root.event.id,
      )!;
      expect(parentOf(produced)).toBe(root.spanId);
      expect(parentOf(consumed)).toBe(produced.spanContext().spanId);
    } finally {
      await mongoRelay.stop();
      await client.db(dbName).dropDatabase();
      await client.close();
    }
  });
});
