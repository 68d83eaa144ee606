import { MongoClient } from 'mongodb';
import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createLogger } from '@shopgraph/kit';
import { createTestDatabase, eventually, stackEnv, testDatabaseName, testGroupId, testNamespace, uniqueId } from '@shopgraph/testkit';
import {
  createEvent,
  createKafka,
  createProducer,
  CreateOutboxAndInbox1767225500000,
  enqueueEvents,
  ensureTopics,
  MongoOutboxRelay,
  outboxOnInsert,
  outboxOnUpdate,
  PostgresOutboxRelay,
  processOnce,
  processOnceMongo,
  startConsumer,
  topicsIn,
  WITHOUT_OUTBOX,
  type EventEnvelope,
} from '../src';

// Everything this file publishes or consumes lives in its own namespace, never the live shop's topics.
const ns = testNamespace();
const topics = topicsIn(ns);

// The outbox, relay and idempotent consumer against the real PostgreSQL, Kafka and Mongo-wire
// server of the local stack. Every test uses its own aggregate ids and filters on them, since
// the topics are shared.

const log = createLogger('events-test', 'silent');
const kafka = createKafka(stackEnv.kafkaBrokers, 'events-test', log);
let producer: Producer;
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let ds: DataSource;
let relay: PostgresOutboxRelay;
const received: EventEnvelope[] = [];
let stopConsumer: () => Promise<void>;

const stockChanged = (productId: string, onHand: number) =>
  createEvent('StockChanged', productId, { productId, onHand, reserved: 0, reason: 'test' }, { source: 'events-test' });

beforeAll(async () => {
  await ensureTopics(kafka, [topics.inventory, topics.products]);
  producer = await createProducer(kafka);
  db = await createTestDatabase('events');
  ds = new DataSource({ type: 'postgres', url: db.url, migrations: [CreateOutboxAndInbox1767225500000], logging: false });
  await ds.initialize();
  await ds.runMigrations();
  await ds.query('CREATE TABLE effects (event_id uuid, note text)');
  relay = new PostgresOutboxRelay({ dataSource: ds, url: db.url, producer, namespace: ns, log, pollIntervalMs: 5000 });
  await relay.start();
  const consumer = await startConsumer({
    kafka,
    groupId: testGroupId('events-test'),
    topics: [topics.inventory, topics.products],
    log,
    fromBeginning: false,
    handle: async (event) => {
      received.push(event);
    },
  });
  stopConsumer = consumer.stop;
  // A new group starting at the latest offset only sees what is produced after its first fetch:
  // keep sending probes until one arrives, then the tests start.
  const probeId = uniqueId('probe');
  await eventually(async () => {
    const probe = stockChanged(probeId, 1);
    await producer.send({ topic: topics.inventory, messages: [{ key: probeId, value: JSON.stringify(probe) }] });
    await new Promise((r) => setTimeout(r, 300));
    return received.some((e) => e.aggregateId === probeId) ? true : undefined;
  }, 60000);
}, 90000);

afterAll(async () => {
  await stopConsumer?.();
  await relay?.stop();
  await producer?.disconnect();
  await ds?.destroy();
  await db?.drop();
});

describe('PostgreSQL outbox and relay', () => {
  it('publishes what a committed transaction wrote, in order, woken by the commit rather than the poll', async () => {
    const productId = uniqueId('p');
    const events = [1, 2, 3, 4, 5].map((n) => stockChanged(productId, n));
    const t0 = Date.now();
    await ds.transaction((m) => enqueueEvents(m, events));
    const mine = await eventually(async () => {
      const got = received.filter((e) => e.aggregateId === productId);
      return got.length === 5 ? got : undefined;
    });
    // The relay polls every 5 s in this test; arriving well before that proves the NOTIFY wake-up.
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(mine.map((e) => e.id)).toEqual(events.map((e) => e.id));
    // The relay marks rows sent in the transaction that published them, which commits after the
    // broker acknowledged: a fast consumer can see the messages first (a busy CI run read 5).
    expect(await eventually(async () => ((await relay.backlog()) === 0 ? 0 : undefined), 5000)).toBe(0);
  });

  it('publishes nothing from a transaction that rolled back', async () => {
    const productId = uniqueId('rolled');
    await expect(
      ds.transaction(async (m) => {
        await enqueueEvents(m, [stockChanged(productId, 1)]);
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    const control = uniqueId('control');
    await ds.transaction((m) => enqueueEvents(m, [stockChanged(control, 1)]));
    await eventually(async () => (received.some((e) => e.aggregateId === control) ? true : undefined));
    expect(received.filter((e) => e.aggregateId === productId)).toHaveLength(0);
    expect((await ds.query('SELECT count(*)::int AS n FROM outbox WHERE key = $1', [productId]))[0].n).toBe(0);
  });

  it('refuses to enqueue outside a transaction (the event could outlive a failed change)', async () => {
    await expect(enqueueEvents(ds.manager, [stockChanged(uniqueId('x'), 1)])).rejects.toThrow(/inside a transaction/);
  });
});

describe('idempotent consumer (inbox)', () => {
  it('applies a redelivered event once', async () => {
    const event = stockChanged(uniqueId('dup'), 3);
    const effect = (m: import('typeorm').EntityManager) => m.query('INSERT INTO effects VALUES ($1, $2)', [event.id, 'applied']);
    expect(await processOnce(ds, 'test-consumer', event, effect)).toBe(true);
    expect(await processOnce(ds, 'test-consumer', event, effect)).toBe(false);
    const rows = await ds.query('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [event.id]);
    expect(rows[0].n).toBe(1);
  });

  it('records nothing when the effect fails, so the redelivery is applied', async () => {
    const event = stockChanged(uniqueId('retry'), 3);
    await expect(
      processOnce(ds, 'test-consumer', event, async () => {
        throw new Error('store down');
      }),
    ).rejects.toThrow('store down');
    expect(await processOnce(ds, 'test-consumer', event, (m) => m.query('INSERT INTO effects VALUES ($1, $2)', [event.id, 'ok']))).toBe(true);
  });

  it('runs concurrent deliveries of one event exactly once', async () => {
    const event = stockChanged(uniqueId('race'), 3);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => processOnce(ds, 'race-consumer', event, (m) => m.query('INSERT INTO effects VALUES ($1, $2)', [event.id, 'x']))),
    );
    const applied = results.filter((r) => r.status === 'fulfilled' && r.value === true).length;
    expect(applied).toBe(1);
    expect((await ds.query('SELECT count(*)::int AS n FROM effects WHERE event_id = $1', [event.id]))[0].n).toBe(1);
  });
});

describe('MongoDB in-document outbox', () => {
  let client: MongoClient;
  let mongoRelay: MongoOutboxRelay;
  const dbName = testDatabaseName('events');

  beforeAll(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
    mongoRelay = new MongoOutboxRelay({ collections: [client.db(dbName).collection('things')], producer, namespace: ns, log, pollIntervalMs: 5000 });
    await mongoRelay.start();
  });

  afterAll(async () => {
    await mongoRelay?.stop();
    await client?.db(dbName).dropDatabase();
    await client?.close();
  });

  it('publishes events written with the document, in order, and clears them', async () => {
    const things = client.db(dbName).collection('things');
    const id = uniqueId('thing');
    const first = createEvent('ProductArchived', id, { productId: id }, { source: 'events-test' });
    await things.insertOne({ _id: id as never, name: 'lamp', ...outboxOnInsert([first]) });
    const second = createEvent('ProductArchived', id, { productId: id }, { source: 'events-test' });
    await things.updateOne({ _id: id as never }, { ...outboxOnUpdate([second]), $set: { ...outboxOnUpdate([second]).$set, name: 'lamp 2' } });
    mongoRelay.wake();
    const got = await eventually(async () => {
      const mine = received.filter((e) => e.aggregateId === id);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(got.map((e) => e.id)).toEqual([first.id, second.id]);
    await eventually(async () => ((await things.findOne({ _id: id as never }))?._outboxPending === false ? true : undefined));
    const read = await things.findOne({ _id: id as never }, { projection: WITHOUT_OUTBOX });
    expect(read).toEqual({ _id: id, name: 'lamp 2' });
  });

  it('skips an event it already processed', async () => {
    const mongo = client.db(dbName);
    const event = stockChanged(uniqueId('m'), 1);
    let runs = 0;
    expect(await processOnceMongo(mongo, 'c', event, async () => void runs++)).toBe(true);
    expect(await processOnceMongo(mongo, 'c', event, async () => void runs++)).toBe(false);
    expect(runs).toBe(1);
  });
});
