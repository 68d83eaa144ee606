import net from 'node:net';
import { buildSchema } from 'graphql';
import { MongoClient } from 'mongodb';
import { z } from 'zod';
import { baseConfigSchema, port } from '@shopgraph/kit';
import { CreateOutboxAndInbox1767225500000, createEvent, enqueueEvents, outboxOnInsert, type EventEnvelope } from '@shopgraph/events';
import { createTestDatabase, eventually, namespaceEnv, stackEnv, testDatabaseName, testNamespace, uniqueId } from '@shopgraph/testkit';
import { defineSubgraph, kafkaConfig, type Startable } from '../src';

// The lifecycle against the real stack (PostgreSQL, Redis, Kafka, the Mongo-wire server), in this
// file's namespace: what it opens, starts, checks and stops, and that a failure at any point
// leaves nothing open.

const configSchema = baseConfigSchema.extend({
  PORT: port(0),
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string().default(stackEnv.redisUrl),
  ...kafkaConfig({ groupId: 'svc', consumers: ['reviews', 'orders'] }),
});

const schema = async () => buildSchema('type Query { ping: String }');
const origin = { source: 'lifecycle-test' };
const reviewAdded = (productId = uniqueId('p')) =>
  createEvent('ReviewAdded', uniqueId('r'), { reviewId: uniqueId('r'), productId, authorId: uniqueId('a'), rating: 5 }, origin);

/** TCP sockets and servers this process holds (jest talks to its workers over pipes, not TCP). */
const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

interface Hooks {
  trail: string[];
  wire?: () => void;
  taskStart?: () => void;
}

/** A subgraph with every part: PostgreSQL + Redis, a topic, the outbox, two consumers, two tasks, extra checks and a route. */
function pgSubgraph(hooks: Hooks) {
  const { trail } = hooks;
  return defineSubgraph({
    name: 'lifecycle-test',
    config: configSchema,
    schema,
    stores: { postgres: { entities: [], migrations: [CreateOutboxAndInbox1767225500000] }, redis: {} },
    topics: ['reviews'],
    outbox: { store: 'postgres', pollIntervalMs: 200 },
    wire: (ctx) => {
      hooks.wire?.();
      const heard: EventEnvelope[] = [];
      ctx.onStop('wire', () => {
        // Runs after everything started later (server, consumers, tasks, relay) and before the stores close.
        trail.push(`wire undo (postgres open: ${ctx.dataSource.isInitialized}, redis: ${ctx.redis.status}, relay listening: ${ctx.relay.listening})`);
      });
      return {
        heard,
        publish: (event: EventEnvelope) => ctx.dataSource.transaction((m) => enqueueEvents(m, [event])),
      };
    },
    consumers: ({ heard }) => ({
      reviews: { topics: ['reviews'], fromBeginning: true, handlers: { ReviewAdded: async (e) => void heard.push(e) } },
      orders: { topics: ['orders'], handlers: { OrderStatusChanged: async (e) => void heard.push(e) } },
    }),
    tasks: () => {
      let url = '';
      const probe: Startable & { url(u: string): void } = {
        url: (u) => (url = u),
        start: () => {
          hooks.taskStart?.();
          trail.push('task start');
        },
        stop: async () => {
          const http = url ? await fetch(url.replace('/graphql', '/health/live')).then(() => 'up', () => 'down') : 'never listened';
          trail.push(`task stop (http ${http})`);
        },
      };
      probes.push(probe);
      return [{ name: 'tick', intervalMs: 20, run: async () => void ticks.count++ }, probe];
    },
    checks: () => ({ readiness: { extra: async () => undefined } }),
    routes: (app) => app.get('/hello', (_req, res) => void res.json({ hello: 'world' })),
  });
}
const probes: Array<{ url(u: string): void }> = [];
const ticks = { count: 0 };

let db: Awaited<ReturnType<typeof createTestDatabase>>;
/** Stops whatever a failing test left running (stop() is idempotent). */
const cleanup: Array<() => Promise<void>> = [];
beforeAll(async () => {
  db = await createTestDatabase('service');
});
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((stop) => stop()));
});
afterAll(async () => {
  await db?.drop();
});

const env = (extra: Record<string, string> = {}) =>
  configSchema.parse({
    NODE_ENV: 'test',
    ...namespaceEnv(),
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: uniqueId('svc'),
    ...extra,
  });

describe('defineSubgraph lifecycle (PostgreSQL, Redis, Kafka)', () => {
  it('opens, starts, serves, consumes only what CONSUMERS names, checks what was declared, and stops in reverse order, idempotently', async () => {
    const trail: string[] = [];
    const definition = pgSubgraph({ trail });
    const config = env({ CONSUMERS: 'reviews' });
    const service = await definition.create(config);
    cleanup.push(() => service.stop());
    const started = await service.start();
    const { url } = started;
    probes.at(-1)!.url(url);
    // start() is idempotent: a second call answers the first's result.
    expect(await service.start()).toEqual(started);

    // Readiness from the declaration: the stores, the broker, the consumers, the outbox listener (degraded-only), plus the extra check.
    const ready = await fetch(url.replace('/graphql', '/health/ready'));
    expect(await ready.json()).toEqual({
      status: 'ok',
      checks: { postgres: 'ok', redis: 'ok', kafka: 'ok', consumer: 'ok', extra: 'ok', outboxListener: 'ok' },
    });
    expect(await (await fetch(new URL('/hello', url))).json()).toEqual({ hello: 'world' });
    // The outbox backlog gauge is there for every service with an outbox.
    expect(await (await fetch(url.replace('/graphql', '/metrics'))).text()).toMatch(/^outbox_backlog\{[^}]*\} 0$/m);

    // One consumer (CONSUMERS=reviews), in the namespace, in the configured group.
    expect(service.consumerHealth().map((h) => h.groupId)).toEqual([testNamespace().group(config.KAFKA_GROUP_ID)]);
    expect(service.namespace.name).toBe(testNamespace().name);
    expect(service.topics.reviews).toBe(`${testNamespace().name}.reviews.v1`);

    // Outbox → relay → Kafka (namespaced topic) → the declared handler.
    const event = reviewAdded();
    await service.publish(event);
    await eventually(async () => (service.heard.some((e) => e.id === event.id) ? true : undefined), 20_000);

    // handle() reaches every declared handler, also of a consumer CONSUMERS left off.
    const status = createEvent(
      'OrderStatusChanged',
      'o1',
      { orderId: 'o1', customerId: 'c1', status: 'CONFIRMED', previousStatus: 'AWAITING_PAYMENT', reason: null, version: 2, at: new Date().toISOString(), items: [] },
      origin,
    );
    await service.handle(status);
    expect(service.heard.map((e) => e.id)).toContain(status.id);
    expect(ticks.count).toBeGreaterThan(0);

    await Promise.all([service.stop(), service.stop()]);
    await service.stop();
    // Reverse order: the HTTP server was down before the tasks stopped; consumers, tasks and the
    // relay were stopped before what wire registered; the stores closed after it.
    expect(trail).toEqual(['task start', 'task stop (http down)', 'wire undo (postgres open: true, redis: ready, relay listening: false)']);
    expect(service.consumerHealth().map((h) => h.state)).toEqual(['stopped']);
    expect(service.dataSource.isInitialized).toBe(false);
    expect(service.redis.status).toBe('end');
    const afterStop = ticks.count;
    await new Promise((r) => setTimeout(r, 100));
    expect(ticks.count).toBe(afterStop);
    await expect(fetch(url.replace('/graphql', '/health/live'))).rejects.toThrow();
    await expect(service.start()).rejects.toThrow('lifecycle-test is stopped; create a new service to start again');
  });

  it('a start that fails at its last step (port taken) stops everything it had started and leaves no socket open', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const before = tcpHandles();
      const trail: string[] = [];
      const service = await pgSubgraph({ trail }).create(env({ PORT: String(taken) }));
      cleanup.push(() => service.stop());
      await expect(service.start()).rejects.toThrow(/EADDRINUSE/);
      expect(trail).toEqual(['task start', 'task stop (http never listened)', 'wire undo (postgres open: true, redis: ready, relay listening: false)']);
      expect(service.consumerHealth().every((h) => h.state === 'stopped')).toBe(true);
      // Both consumers share the configured group: one Kafka consumer.
      expect(service.consumerHealth()).toHaveLength(1);
      expect(service.dataSource.isInitialized).toBe(false);
      await expect(service.stop()).resolves.toBeUndefined();
      await expect(service.start()).rejects.toThrow(/is stopped/);
      await eventually(async () => (tcpHandles() <= before ? true : undefined), 10_000);
    } finally {
      blocker.close();
    }
  });

  it('a start that fails in a task leaves nothing running; a create that fails in wire closes what it opened', async () => {
    const before = tcpHandles();
    const trail: string[] = [];
    const failing = await pgSubgraph({ trail, taskStart: () => { throw new Error('task refused to start'); } }).create(env());
    await expect(failing.start()).rejects.toThrow('task refused to start');
    // The task that failed to start is stopped too (its stop must cope), then wire's undo and the stores.
    expect(trail).toEqual(['task stop (http never listened)', 'wire undo (postgres open: true, redis: ready, relay listening: false)']);
    expect(failing.consumerHealth()).toEqual([]);
    await failing.stop();

    await expect(pgSubgraph({ trail: [], wire: () => { throw new Error('wiring failed'); } }).create(env())).rejects.toThrow('wiring failed');
    await eventually(async () => (tcpHandles() <= before ? true : undefined), 10_000);
  });

  it('refuses a consumer map that does not fit the contracts, and a CONSUMERS name it does not declare, before starting anything', async () => {
    const before = tcpHandles();
    const bad = defineSubgraph({
      name: 'lifecycle-bad',
      config: configSchema,
      schema,
      stores: { postgres: { entities: [], migrations: [CreateOutboxAndInbox1767225500000] } },
      consumers: () => ({ reviews: { topics: ['reviews'], handlers: { OrderStatusChanged: async () => undefined } } }),
    });
    await expect(bad.create(env({ CONSUMERS: 'reviews' }))).rejects.toThrow('OrderStatusChanged arrives on orders.v1, which it does not read (reviews)');
    expect(() => env({ CONSUMERS: 'reviews,shipping' })).toThrow();
    await eventually(async () => (tcpHandles() <= before ? true : undefined), 10_000);
  });

  it('refuses a database outside the namespace, and a test config without a namespace', async () => {
    await expect(pgSubgraph({ trail: [] }).create(env({ DATABASE_URL: `${stackEnv.pgUrl}/inventory` }))).rejects.toThrow(/outside namespace/);
    await expect(pgSubgraph({ trail: [] }).create(env({ SG_NAMESPACE: '' }))).rejects.toThrow(/SG_NAMESPACE: must be set when NODE_ENV=test/);
  });
});

describe('defineSubgraph lifecycle (Mongo + in-document outbox)', () => {
  const mongoConfig = baseConfigSchema.extend({
    PORT: port(0),
    MONGO_URL: z.string().default(stackEnv.mongoUrl),
    MONGO_DB: z.string(),
    ...kafkaConfig({ groupId: 'svc-mongo' }),
  });

  it('opens both clients, creates indexes, publishes what documents carry, and closes everything on stop', async () => {
    const dbName = testDatabaseName('service');
    const indexed: string[] = [];
    const definition = defineSubgraph({
      name: 'lifecycle-mongo',
      config: mongoConfig,
      schema,
      stores: { mongo: { backgroundPoolSize: 2, prepare: async (db) => void indexed.push(await db.collection('things').createIndex({ name: 1 })) } },
      topics: ['reviews'],
      outbox: { store: 'mongo', collections: ['things'], pollIntervalMs: 200 },
      wire: ({ db, relay }) => ({
        add: async (event: EventEnvelope) => {
          await db.collection('things').insertOne({ name: event.id, ...outboxOnInsert([event]) });
          relay.wake();
        },
      }),
    });
    const service = await definition.create(mongoConfig.parse({ NODE_ENV: 'test', ...namespaceEnv(), LOG_LEVEL: 'silent', MONGO_DB: dbName, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') }));
    const check = await MongoClient.connect(stackEnv.mongoUrl);
    try {
      const { url } = await service.start();
      expect(indexed).toEqual(['name_1']);
      expect(await (await fetch(url.replace('/graphql', '/health/ready'))).json()).toEqual({ status: 'ok', checks: { mongodb: 'ok', kafka: 'ok' } });
      const event = reviewAdded();
      await service.add(event);
      await eventually(async () => ((await check.db(dbName).collection('things').findOne({ name: event.id }))?._outboxPending === false ? true : undefined), 20_000);
      expect(await (await fetch(url.replace('/graphql', '/metrics'))).text()).toMatch(/^outbox_backlog\{[^}]*\} 0$/m);
      await service.stop();
      await service.stop();
      await expect(service.db.collection('things').findOne({})).rejects.toThrow();
    } finally {
      await check.db(dbName).dropDatabase();
      await check.close();
      await service.stop();
    }
  });
});
