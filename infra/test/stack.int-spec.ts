/**
 * Smoke tests for the local stack (`node infra/stack/stack.mjs up` must have run).
 * They talk to the real servers with the same clients the apps use.
 */
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, Kafka, logLevel, Producer } from 'kafkajs';
import { MongoClient, MongoServerError } from 'mongodb';

const port = (name: string, def: number): number => Number(process.env[name] || def);
const KAFKA_BROKERS = process.env.KAFKA_BROKERS || `127.0.0.1:${port('SG_KAFKA_PORT', 9092)}`;
const MONGO_URL = process.env.MONGO_URL || `mongodb://127.0.0.1:${port('SG_MONGO_PORT', 27017)}`;

describe('kafka (kafkajs 2.2.4)', () => {
  const kafka = new Kafka({ clientId: 'infra-smoke', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const runId = randomUUID().slice(0, 8);
  const topic = `infra-smoke-${runId}`;
  const groupId = `infra-smoke-group-${runId}`;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('produces idempotently, consumes in a group in order, and commits offsets', async () => {
    // kafkajs' own leader wait inside createTopics can throw "This server does not host this
    // topic-partition" on a busy broker although the topic was created: wait for the leaders here.
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => null);
      const partitions = meta?.topics[0]?.partitions ?? [];
      if (partitions.length === 3 && partitions.every((p) => p.leader >= 0)) break;
      if (Date.now() > deadline) throw new Error(`topic ${topic} without 3 led partitions after 30 s: ${JSON.stringify(meta)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(await admin.listTopics()).toContain(topic);

    const N = 25;
    const key = `order-${runId}`; // one key -> one partition -> total order
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: N }, (_, i) => ({ key, value: JSON.stringify({ seq: i }), headers: { run: runId } })),
    });
    expect(sent).toHaveLength(1);
    expect(sent[0].errorCode).toBe(0);
    const partition = sent[0].partition;

    consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });

    const received: Array<{ seq: number; partition: number; offset: string; run: string }> = [];
    const c = consumer;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out: received ${received.length}/${N}`)), 45000);
      c.run({
        autoCommit: false,
        eachMessage: async ({ topic: t, partition: p, message }) => {
          received.push({
            seq: JSON.parse(message.value!.toString()).seq,
            partition: p,
            offset: message.offset,
            run: message.headers?.run?.toString() ?? '',
          });
          await c.commitOffsets([{ topic: t, partition: p, offset: (BigInt(message.offset) + 1n).toString() }]);
          if (received.length === N) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });

    expect(received.map((r) => r.seq)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(new Set(received.map((r) => r.partition))).toEqual(new Set([partition]));
    expect(received.every((r) => r.run === runId)).toBe(true);
    const lastOffset = BigInt(received[N - 1].offset);

    await consumer.disconnect();
    consumer = undefined;

    const [fetched] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(fetched.topic).toBe(topic);
    const committed = fetched.partitions.find((p) => p.partition === partition);
    expect(committed?.offset).toBe((lastOffset + 1n).toString());

    const high = (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition);
    expect(high?.high).toBe(committed?.offset);
  });
});

describe('mongo wire server (mongodb driver)', () => {
  const client = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 10000 });
  const dbName = `infra_smoke_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

  beforeAll(async () => {
    await client.connect();
  });

  afterAll(async () => {
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('answers hello as a writable primary', async () => {
    const hello = await client.db('admin').command({ hello: 1 });
    expect(hello.ok).toBe(1);
    expect(hello.isWritablePrimary).toBe(true);
  });

  it('inserts, filters, sorts, pages, counts and enforces unique indexes', async () => {
    const col = client.db(dbName).collection<{ sku: string; n: number; cat: string }>('products');
    const docs = Array.from({ length: 30 }, (_, i) => ({ sku: `SKU-${String(i).padStart(3, '0')}`, n: i, cat: i % 3 === 0 ? 'books' : 'games' }));
    const ins = await col.insertMany(docs);
    expect(ins.insertedCount).toBe(30);

    const books = await col.find({ cat: 'books' }).toArray();
    expect(books.map((d) => d.n).sort((a, b) => a - b)).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);

    const page = await col.find({ cat: 'games', n: { $gte: 10 } }).sort({ n: -1 }).skip(2).limit(4).project({ _id: 0, n: 1 }).toArray();
    expect(page).toEqual([{ n: 26 }, { n: 25 }, { n: 23 }, { n: 22 }]);

    expect(await col.countDocuments({ cat: 'games' })).toBe(20);
    expect(await col.countDocuments({ n: { $lt: 5 } })).toBe(5);

    const idx = await col.createIndex({ sku: 1 }, { unique: true });
    expect(idx).toBe('sku_1');
    const indexes = await col.listIndexes().toArray();
    expect(indexes.find((i) => i.name === 'sku_1')?.unique).toBe(true);

    let err: unknown;
    try {
      await col.insertOne({ sku: 'SKU-007', n: 999, cat: 'dup' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MongoServerError);
    expect((err as MongoServerError).code).toBe(11000);
    expect(await col.countDocuments({ sku: 'SKU-007' })).toBe(1);

    const upd = await col.updateOne({ sku: 'SKU-001' }, { $inc: { n: 100 } });
    expect(upd.modifiedCount).toBe(1);
    expect((await col.findOne({ sku: 'SKU-001' }))?.n).toBe(101);
  });
});
