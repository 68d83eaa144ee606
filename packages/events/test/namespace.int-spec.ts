import { MongoClient } from 'mongodb';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createLogger, LIVE_NAMESPACE } from '@shopgraph/kit';
import { createTestDatabase, eventually, stackEnv, testDatabaseName, testGroupId, testNamespace, uniqueId } from '@shopgraph/testkit';
import {
  BASE_TOPICS,
  createEvent,
  createKafka,
  createProducer,
  CreateOutboxAndInbox1767225500000,
  enqueueEvents,
  ensureTopics,
  MongoOutboxRelay,
  outboxOnInsert,
  PostgresOutboxRelay,
  publish,
  startConsumer,
  topicsIn,
  type EventEnvelope,
} from '../src';

// Proves that what the test suites produce never reaches the live shop's topics on the shared
// stack: the three ways the suites publish (the PostgreSQL outbox relay of inventory/orders/
// payments, the Mongo outbox relay of products/reviews, and `publish` as the fixtures' produce()
// does) run in this file's namespace, a consumer of the namespaced topics hears every event, and
// the live topics' new messages (read from their end offsets before the run to after it) carry
// none of them. Nothing is written to a live topic: the live side is only read.

const log = createLogger('events-namespace-test', 'silent');
const ns = testNamespace();
const testTopics = topicsIn(ns);
const liveTopics = topicsIn(LIVE_NAMESPACE);
const ALL = Object.keys(BASE_TOPICS) as (keyof typeof BASE_TOPICS)[];

let kafka: Kafka;
let admin: Admin;
let producer: Producer;

type Offsets = Map<string, Map<number, bigint>>;

async function endOffsets(topics: string[]): Promise<Offsets> {
  const result: Offsets = new Map();
  for (const topic of topics) {
    const partitions = await fetchTopicOffsets(topic);
    result.set(topic, new Map(partitions.map((p) => [p.partition, BigInt(p.high)])));
  }
  return result;
}

/**
 * A topic created a moment ago on a fresh broker is listed with a leader before that leader answers
 * ListOffsets ("not the leader for that topic-partition", retriable): ask again for up to 30 s.
 */
async function fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string }>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Every message appended to `topics` between two end-offset snapshots (read without committing). */
async function messagesBetween(before: Offsets, after: Offsets): Promise<{ topic: string; value: string }[]> {
  const wanted: { topic: string; partition: number; from: bigint; to: bigint }[] = [];
  for (const [topic, parts] of after) {
    for (const [partition, high] of parts) {
      const from = before.get(topic)?.get(partition) ?? 0n;
      if (high > from) wanted.push({ topic, partition, from, to: high });
    }
  }
  if (wanted.length === 0) return [];
  const seen: { topic: string; value: string }[] = [];
  const remaining = new Map(wanted.map((w) => [`${w.topic}/${w.partition}`, w]));
  const consumer = kafka.consumer({ groupId: testGroupId('live-reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set(wanted.map((w) => w.topic))], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const range = remaining.get(`${topic}/${partition}`);
        const offset = BigInt(message.offset);
        if (!range || offset < range.from || offset >= range.to) return;
        seen.push({ topic, value: message.value?.toString() ?? '' });
        if (offset + 1n >= range.to) remaining.delete(`${topic}/${partition}`);
      },
    });
    for (const w of wanted) consumer.seek({ topic: w.topic, partition: w.partition, offset: w.from.toString() });
    await eventually(async () => (remaining.size === 0 ? true : undefined), 30_000);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

beforeAll(async () => {
  kafka = createKafka(stackEnv.kafkaBrokers, 'events-namespace-test', log);
  admin = kafka.admin();
  await admin.connect();
  // The live topics exist once the shop has run; creating a missing one (empty) changes no data.
  await ensureTopics(kafka, [...Object.values(liveTopics), ...Object.values(testTopics)]);
  producer = await createProducer(kafka);
}, 60_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
});

describe('test namespaces', () => {
  it('gives this file a namespace that names topics, groups, keys and databases apart from the live shop', () => {
    expect(ns.live).toBe(false);
    for (const key of ALL) {
      expect(testTopics[key]).toBe(`${ns.name}.${BASE_TOPICS[key]}`);
      expect(liveTopics[key]).toBe(BASE_TOPICS[key]);
    }
    expect(testGroupId('orders')).toMatch(new RegExp(`^${ns.name}\\.orders_`));
    expect(testDatabaseName('orders')).toMatch(new RegExp(`^${ns.name}_orders_[0-9a-f]{6}$`));
    expect(ns.key('orders:cart')).toBe(`${ns.name}:orders:cart`);
  });

  it("keeps everything the suites' producers publish off the live topics", async () => {
    const runId = uniqueId('leak');
    const ours = new Set<string>();
    const heard: EventEnvelope[] = [];
    const listener = await startConsumer({
      kafka,
      groupId: testGroupId('namespace-listener'),
      topics: Object.values(testTopics),
      // This file's topics are its own: from the beginning means only this file's messages.
      fromBeginning: true,
      log,
      handle: async (event) => {
        heard.push(event);
      },
    });
    const db = await createTestDatabase('events_ns');
    const ds = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateOutboxAndInbox1767225500000], logging: false });
    const mongo = await MongoClient.connect(stackEnv.mongoUrl);
    const mongoDb = mongo.db(testDatabaseName('events_ns'));
    let pgRelay: PostgresOutboxRelay | null = null;
    let mongoRelay: MongoOutboxRelay | null = null;
    const liveBefore = await endOffsets(Object.values(liveTopics));
    const testBefore = await endOffsets(Object.values(testTopics));
    try {
      await ds.initialize();
      await ds.runMigrations();
      pgRelay = new PostgresOutboxRelay({ dataSource: ds, url: db.url, producer, namespace: ns, log, pollIntervalMs: 500 });
      await pgRelay.start();
      mongoRelay = new MongoOutboxRelay({ collections: [mongoDb.collection('things')], producer, namespace: ns, log, pollIntervalMs: 500 });
      await mongoRelay.start();

      // One event of every type, each published one of the three ways.
      const origin = { source: 'namespace-test', correlationId: runId };
      const id = (n: number) => `${runId}-${n}`;
      const money = { amount: 100, currency: 'USD' };
      const product = { sku: 'SKU', slug: 'slug', name: 'Name', price: money, active: true };
      const line = (n: number) => [{ productId: id(n), quantity: 1 }];
      const events: EventEnvelope[] = [
        createEvent('ProductCreated', id(1), { productId: id(1), ...product, initialStock: 1 }, origin),
        createEvent('ProductUpdated', id(2), { productId: id(2), ...product }, origin),
        createEvent('ProductArchived', id(3), { productId: id(3) }, origin),
        createEvent('StockChanged', id(4), { productId: id(4), onHand: 1, reserved: 0, reason: 'test' }, origin),
        createEvent('StockReserved', id(5), { orderId: id(5), lines: line(5) }, origin),
        createEvent('StockReservationFailed', id(6), { orderId: id(6), reason: 'OUT_OF_STOCK', productIds: [id(6)] }, origin),
        createEvent('StockReleased', id(7), { orderId: id(7) }, origin),
        createEvent('StockCommitted', id(8), { orderId: id(8) }, origin),
        createEvent('ReserveStock', id(9), { orderId: id(9), lines: line(9) }, origin),
        createEvent('ReleaseStock', id(10), { orderId: id(10) }, origin),
        createEvent('CommitStock', id(11), { orderId: id(11) }, origin),
        createEvent('AuthorizePayment', id(12), { orderId: id(12), customerId: id(12), amount: money, paymentToken: 'tok_visa' }, origin),
        createEvent('RefundPayment', id(13), { orderId: id(13), amount: null }, origin),
        createEvent('PaymentCaptured', id(14), { orderId: id(14), paymentId: id(14), amount: money }, origin),
        createEvent('PaymentDeclined', id(15), { orderId: id(15), paymentId: id(15), reason: 'test' }, origin),
        createEvent('PaymentFailed', id(16), { orderId: id(16), paymentId: id(16), reason: 'test' }, origin),
        createEvent('PaymentRefunded', id(17), { orderId: id(17), paymentId: id(17), amount: money }, origin),
        createEvent(
          'OrderStatusChanged',
          id(18),
          { orderId: id(18), customerId: id(18), status: 'PENDING', previousStatus: null, reason: null, version: 1, at: new Date().toISOString(), items: line(18) },
          origin,
        ),
        createEvent('ReviewAdded', id(19), { reviewId: id(19), productId: id(19), authorId: id(19), rating: 5 }, origin),
        createEvent('ReviewDeleted', id(20), { reviewId: id(20), productId: id(20) }, origin),
      ];
      for (const e of events) ours.add(e.id);
      const viaPostgres = events.filter((_, i) => i % 3 === 0);
      const viaMongo = events.filter((_, i) => i % 3 === 1);
      const direct = events.filter((_, i) => i % 3 === 2);
      await ds.transaction((manager) => enqueueEvents(manager, viaPostgres));
      await mongoDb.collection('things').insertOne({ _id: runId as never, ...outboxOnInsert(viaMongo) });
      mongoRelay.wake();
      await publish(producer, direct, ns);

      // The namespaced topics carry every event (so the producers did run)...
      await eventually(async () => (events.every((e) => heard.some((h) => h.id === e.id)) ? true : undefined), 30_000);
      // ...and each reached its own topic's namespaced name.
      const rows: { topic: string }[] = await ds.query('SELECT DISTINCT topic FROM outbox');
      expect(rows.every((r) => (Object.values(BASE_TOPICS) as string[]).includes(r.topic))).toBe(true);
      await eventually(async () => ((await ds.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL'))[0].n === 0 ? true : undefined), 10_000);
    } finally {
      await listener.stop();
      await mongoRelay?.stop();
      await pgRelay?.stop();
      await mongoDb.dropDatabase().catch(() => undefined);
      await mongo.close();
      if (ds.isInitialized) await ds.destroy();
      await db.drop();
    }

    // The live topics: whatever arrived meanwhile (another run of the shop may be producing) holds nothing of ours.
    const liveAfter = await endOffsets(Object.values(liveTopics));
    const mine = (m: { value: string }) => m.value.includes(runId) || [...ours].some((eventId) => m.value.includes(eventId));
    const live = await messagesBetween(liveBefore, liveAfter);
    expect(live.filter(mine)).toEqual([]);
    // The same reading of the namespaced topics finds all of them: the check above would see a leak.
    const namespaced = await messagesBetween(testBefore, await endOffsets(Object.values(testTopics)));
    expect(new Set(namespaced.filter(mine).map((m) => (JSON.parse(m.value) as EventEnvelope).id))).toEqual(ours);
    expect(heard.filter((h) => ours.has(h.id)).length).toBeGreaterThanOrEqual(ours.size);
  }, 120_000);

  it('fixes "newest" at a group\'s first start, on every topic at once: a restart before its first message still gets what arrived while it was down', async () => {
    const groupId = testGroupId('newest');
    const heard: string[] = [];
    const start = () =>
      startConsumer({
        kafka,
        groupId,
        topics: [testTopics.paymentsCommands, testTopics.inventoryCommands],
        log,
        fromBeginning: false,
        handle: async (event) => void heard.push(event.aggregateId),
      });
    const before = uniqueId('before');
    await publish(producer, [createEvent('RefundPayment', before, { orderId: before, amount: null }, { source: 'namespace-test' })], ns);
    const first = await start();
    await first.stop();
    // Produced while no member runs and before the group ever committed on any partition.
    const missed = Array.from({ length: 6 }, () => uniqueId('while-down'));
    const released = Array.from({ length: 6 }, () => uniqueId('released-while-down'));
    await publish(producer, missed.map((id) => createEvent('RefundPayment', id, { orderId: id, amount: null }, { source: 'namespace-test' })), ns);
    await publish(producer, released.map((id) => createEvent('ReleaseStock', id, { orderId: id }, { source: 'namespace-test' })), ns);
    missed.push(...released);
    const second = await start();
    try {
      await eventually(async () => (missed.every((id) => heard.includes(id)) ? true : undefined), 20_000);
      // ...and what was there before the group's first start stays unread.
      expect(heard).not.toContain(before);
    } finally {
      await second.stop();
    }
  }, 60_000);
});
