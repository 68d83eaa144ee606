import { Client } from 'pg';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createTestDatabase, eventually, stackEnv, testGroupId, testNamespace, uniqueId } from '@shopgraph/testkit';
import {
  createEvent,
  createKafka,
  createProducer,
  CreateOutboxAndInbox1767225500000,
  enqueueEvents,
  ensureTopics,
  LISTENER_APPLICATION_NAME,
  PostgresOutboxRelay,
  startConsumer,
  topicsIn,
  type EventEnvelope,
  type RunningConsumer,
} from '../src';

/** A relay woken by NOTIFY (or in-process) publishes within this; without a wake-up it would wait for its 60 s poll. Roomy: a busy CI machine has been seen at 2.4 s. */
const WOKEN_WITHIN_MS = 10_000;

// Everything this file publishes or consumes lives in its own namespace, never the live shop's topics.
const ns = testNamespace();
const topics = topicsIn(ns);

// Consumer supervision (crash → restart, crash for good → readiness and liveness red, a commit
// after a lost membership) and the outbox LISTEN reconnect, against the shared stack's Kafka and
// PostgreSQL. Nothing here pauses or restarts a shared server: crashes come from handlers, the
// lost membership from a handler outliving the session timeout, the LISTEN loss from
// terminating the relay's own backend and refusing connections to this test's own database.

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

function capturingLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

const quiet = pino({ level: 'silent' });
const kafka = createKafka(stackEnv.kafkaBrokers, 'events-resilience-test', quiet);
let producer: Producer;

const marker = (id: string) =>
  createEvent('StockChanged', id, { productId: id, onHand: 1, reserved: 0, reason: 'test' }, { source: 'events-test' });

/**
 * A fresh group starting at the newest offset has nothing committed: a restart (or rejoin) would
 * start at the newest offset again and skip the message under test. Committing one earlier
 * message on the same key (so the same partition) makes the redelivery start where it must.
 */
async function commitFirst(key: string, handled: Set<string>): Promise<void> {
  await eventually(async () => {
    const probe = marker(key);
    await send(probe);
    await new Promise((r) => setTimeout(r, 300));
    return handled.has(probe.id) ? true : undefined;
  }, 30000);
}
const send = (event: EventEnvelope) =>
  producer.send({ topic: topics.inventory, messages: [{ key: event.aggregateId, value: JSON.stringify(event) }] });

async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value;
}

beforeAll(async () => {
  await ensureTopics(kafka, [topics.inventory]);
  producer = await createProducer(kafka);
}, 60000);

afterAll(async () => {
  await producer?.disconnect();
});

describe('ensureTopics', () => {
  it('creates the missing topics with leaders, leaves existing ones as they are, and logs no error for the existing ones', async () => {
    const { log, lines } = capturingLogger();
    const own = createKafka(stackEnv.kafkaBrokers, 'events-ensure-topics-test', log);
    const [a, b] = [ns.topic(uniqueId('ensure-a')), ns.topic(uniqueId('ensure-b'))];
    await ensureTopics(own, [a]);
    // Again with the same topic, then with one existing and one new.
    await ensureTopics(own, [a]);
    await ensureTopics(own, [a, b]);
    const admin = own.admin();
    await admin.connect();
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: [a, b] });
      expect(meta.map((t) => [t.name, t.partitions.length, t.partitions.every((p) => p.leader >= 0)]).sort()).toEqual(
        [
          [a, 3, true],
          [b, 3, true],
        ].sort(),
      );
    } finally {
      await admin.disconnect();
    }
    // Nothing logged about the creates of topics that were there already (kafkajs's connection logs
    // each refused CreateTopics as an error). The metadata wait for a topic just created may log
    // "does not host this topic-partition" on a fresh broker: that is the "not yet" it waits out.
    expect(lines.filter((l) => l.level >= 40 && (/CreateTopics/.test(l.msg) || /already exists|creation/i.test(String(l.error))))).toEqual(
      [],
    );
  }, 60000);
});

describe('startConsumer supervision', () => {
  const running: RunningConsumer[] = [];
  afterEach(async () => {
    await Promise.allSettled(running.splice(0).map((c) => c.stop()));
  });

  it('restarts a consumer after a crash (non-retriable handler error) and delivers the message again', async () => {
    const registry = new Registry();
    const groupId = testGroupId('resilience-restart');
    const key = uniqueId('poison');
    const poison = marker(key);
    const after = uniqueId('after');
    const deliveries = new Map<string, number>();
    const handled = new Set<string>();
    const consumer = await startConsumer({
      kafka,
      groupId,
      topics: [topics.inventory],
      log: quiet,
      fromBeginning: false,
      metrics: registry,
      restart: { initialMs: 200, maxMs: 1000 },
      handle: async (event) => {
        const n = (deliveries.get(event.id) ?? 0) + 1;
        deliveries.set(event.id, n);
        // A TypeError is unrecoverable for kafkajs: it crashes the consumer and never restarts it by itself.
        if (event.id === poison.id && n === 1) throw new TypeError('handler bug on the first delivery');
        handled.add(event.id);
        handled.add(event.aggregateId);
      },
    });
    running.push(consumer);
    await consumer.check();
    expect(await metricValue(registry, 'kafka_consumer_up', { group: groupId })).toBe(1);

    await commitFirst(key, handled);
    await send(poison);
    await eventually(async () => (consumer.health().restarts >= 1 ? true : undefined), 20000);
    // Redelivered after the restart (its offset was never committed), then handled.
    await eventually(async () => (handled.has(poison.id) ? true : undefined), 30000);
    expect(deliveries.get(poison.id)).toBe(2);
    await send(marker(after));
    await eventually(async () => (handled.has(after) ? true : undefined), 20000);

    expect(consumer.health()).toMatchObject({ state: 'running', restarts: 1 });
    await expect(consumer.check()).resolves.toBeUndefined();
    await expect(consumer.live()).resolves.toBeUndefined();
    expect(await metricValue(registry, 'kafka_consumer_restarts_total', { group: groupId })).toBe(1);
    expect(await metricValue(registry, 'kafka_consumer_up', { group: groupId })).toBe(1);
  }, 90000);

  it('start() resolves on the fetch of the replacement when the first consumer crashes while joining', async () => {
    const groupId = testGroupId('resilience-join-crash');
    const { log, lines } = capturingLogger();
    // The first kafkajs consumer asks for a session below the broker's minimum (6 s): the broker
    // refuses its JoinGroup (INVALID_SESSION_TIMEOUT, not retriable) and kafkajs crashes it. The
    // supervisor's replacement asks for the configured one and joins. Only the first is changed.
    let made = 0;
    const crashingFirst = Object.create(kafka) as typeof kafka;
    crashingFirst.consumer = (config) =>
      kafka.consumer(made++ === 0 ? { ...config!, sessionTimeout: 1500, heartbeatInterval: 500 } : config!);
    const handled = new Set<string>();
    const startedAt = Date.now();
    const consumer = await startConsumer({
      kafka: crashingFirst,
      groupId,
      topics: [topics.inventory],
      log,
      // From the beginning: no offsets to pin for a new group, so the first consumer made is the service's own.
      fromBeginning: true,
      restart: { initialMs: 200, maxMs: 1000 },
      firstFetchTimeoutMs: 40_000,
      handle: async (event) => void handled.add(event.aggregateId),
    });
    running.push(consumer);
    const startMs = Date.now() - startedAt;
    expect(made).toBe(2);
    expect(consumer.health()).toMatchObject({ state: 'running', restarts: 1 });
    expect(lines.some((l) => l.msg === 'kafka consumer crashed; restarting' && /session timeout/i.test(String(l.reason)))).toBe(true);
    await expect(consumer.check()).resolves.toBeUndefined();
    // And it consumes: a message produced after start() arrives.
    const key = uniqueId('after-join-crash');
    await send(marker(key));
    await eventually(async () => (handled.has(key) ? true : undefined), 20000);
    console.log(`first join crashed (INVALID_SESSION_TIMEOUT), start() resolved after ${startMs} ms on the replacement's fetch`);
  }, 90000);

  it('a consumer that crashes for good turns readiness and liveness red within seconds', async () => {
    const registry = new Registry();
    const groupId = testGroupId('resilience-dead');
    const poison = uniqueId('poison');
    const consumer = await startConsumer({
      kafka,
      groupId,
      topics: [topics.inventory],
      log: quiet,
      fromBeginning: false,
      metrics: registry,
      restart: { maxRestarts: 0 },
      handle: async (event) => {
        if (event.aggregateId === poison) throw new TypeError('always failing');
      },
    });
    running.push(consumer);
    await consumer.check();

    await send(marker(poison));
    const sent = Date.now();
    const error = await eventually(
      async () =>
        consumer.check().then(
          () => undefined,
          (e: Error) => e,
        ),
      5000,
    );
    const redAfterMs = Date.now() - sent;
    console.log(`consumer crashed for good: readiness red ${redAfterMs} ms after the poison message was sent`);
    expect(error.message).toMatch(/failed/);
    await expect(consumer.live()).rejects.toThrow(/gave up/);
    expect(consumer.health().state).toBe('failed');
    expect(await metricValue(registry, 'kafka_consumer_up', { group: groupId })).toBe(0);
  }, 60000);

  it('a commit refused after the group moved on (handler outlives the session) is skipped; the message comes again and the consumer keeps running', async () => {
    const { log, lines } = capturingLogger();
    const groupId = testGroupId('resilience-session');
    const key = uniqueId('slow');
    const slow = marker(key);
    const next = uniqueId('next');
    const deliveries = new Map<string, number>();
    const handled = new Set<string>();
    const consumer = await startConsumer({
      kafka,
      groupId,
      topics: [topics.inventory],
      log,
      fromBeginning: false,
      sessionTimeout: 6000,
      restart: { initialMs: 200, maxMs: 1000 },
      handle: async (event) => {
        const n = (deliveries.get(event.id) ?? 0) + 1;
        deliveries.set(event.id, n);
        // No heartbeat while a handler runs: the broker expires the member after 6 s.
        if (event.id === slow.id && n === 1) await new Promise((r) => setTimeout(r, 9000));
        handled.add(event.id);
        handled.add(event.aggregateId);
      },
    });
    running.push(consumer);

    await commitFirst(key, handled);
    await send(slow);
    await eventually(async () => ((deliveries.get(slow.id) ?? 0) >= 2 ? true : undefined), 45000).catch((error) => {
      console.log(
        lines
          .filter((l) => l.level >= 40)
          .map((l) => `${l.msg} ${String(l.reason ?? '')}`)
          .join('\n'),
      );
      throw error;
    });
    await send(marker(next));
    await eventually(async () => (handled.has(next) ? true : undefined), 30000);

    const refused = lines.filter((l) => /offset commit refused after a lost group membership/.test(l.msg));
    console.log(
      `lost membership: ${refused.length} refused commit(s) logged, restarts ${consumer.health().restarts}, reason: ${String(refused[0]?.reason)}`,
    );
    expect(refused.length).toBeGreaterThanOrEqual(1);
    // Skipped, not crashed: kafkajs rejoined by itself.
    expect(consumer.health().restarts).toBe(0);
    await expect(consumer.check()).resolves.toBeUndefined();
  }, 90000);
});

describe('PostgresOutboxRelay LISTEN connection', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ds: DataSource;
  /** Another writer of the same database (as another replica would be): only its NOTIFY can wake the relay. */
  let writer: DataSource;
  let relay: PostgresOutboxRelay;
  let admin: Client;
  const registry = new Registry();
  const { log, lines } = capturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase('events_listen');
    ds = new DataSource({
      type: 'postgres',
      url: db.url,
      migrations: [CreateOutboxAndInbox1767225500000],
      logging: false,
      extra: { max: 2 },
    });
    await ds.initialize();
    await ds.runMigrations();
    // A minute-long poll: anything published within seconds was woken by NOTIFY.
    relay = new PostgresOutboxRelay({
      dataSource: ds,
      url: db.url,
      producer,
      namespace: ns,
      log,
      pollIntervalMs: 60_000,
      metrics: registry,
    });
    await relay.start();
    writer = new DataSource({ type: 'postgres', url: db.url, logging: false, extra: { max: 1 } });
    await writer.initialize();
    admin = new Client({ connectionString: `${stackEnv.pgUrl}/postgres` });
    await admin.connect();
  }, 60000);

  afterAll(async () => {
    await admin?.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`).catch(() => undefined);
    await relay?.stop();
    await ds?.destroy();
    await writer?.destroy();
    await admin?.end();
    await db?.drop();
  });

  const listenerPid = async (): Promise<number | undefined> => {
    const rows = await admin.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND pid <> pg_backend_pid()',
      [db.name, LISTENER_APPLICATION_NAME],
    );
    return rows.rows[0]?.pid;
  };

  /**
   * Commits one event through `via` and resolves with the ms until the relay marked it sent. Through
   * `writer` only the NOTIFY can wake it; through the relay's own DataSource only the in-process
   * wake after the commit can (the relay ignores the NOTIFYs tagged as its own writes).
   */
  const publishLatency = async (via: DataSource = writer): Promise<number> => {
    const event = marker(uniqueId('outbox'));
    const started = Date.now();
    await via.transaction((m) => enqueueEvents(m, [event]));
    await eventually(
      async () => {
        const [row] = await ds.query('SELECT sent_at FROM outbox WHERE id = $1', [event.id]);
        return row?.sent_at ? true : undefined;
      },
      10000,
      20,
    );
    return Date.now() - started;
  };

  it('listens again after its backend is terminated, and NOTIFY wakes the relay at once', async () => {
    expect(relay.listening).toBe(true);
    const before = await publishLatency();
    const pid = await listenerPid();
    expect(pid).toBeDefined();
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);

    await eventually(async () => (relay.listenerReconnects === 1 && relay.listening ? true : undefined), 5000);
    const newPid = await eventually(listenerPid, 5000);
    expect(newPid).not.toBe(pid);
    const after = await publishLatency();
    console.log(`outbox publish latency (poll 60 s): ${before} ms before, ${after} ms after the LISTEN backend was terminated`);
    expect(after).toBeLessThan(WOKEN_WITHIN_MS);
    // A commit through the relay's own DataSource wakes it in-process (its NOTIFY is ignored).
    const local = await publishLatency(ds);
    console.log(`outbox publish latency of a commit through the relay's own DataSource (woken in-process): ${local} ms`);
    expect(local).toBeLessThan(WOKEN_WITHIN_MS);
    expect(await metricValue(registry, 'outbox_listener_connected')).toBe(1);
    expect(await metricValue(registry, 'outbox_listener_reconnects_total')).toBe(1);
  }, 30000);

  it('keeps retrying while the database refuses connections, logs the outage once, and listens again when it accepts them', async () => {
    const errorsBefore = lines.filter((l) => l.level >= 50 && /LISTEN connection/.test(l.msg)).length;
    await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend($1)', [await listenerPid()]);
    await eventually(async () => (!relay.listening ? true : undefined), 5000);
    await expect(relay.checkListening()).rejects.toThrow(/not listening/);
    // Several failed attempts (250 ms doubling, ~4 in 4 s; bounded wait, as a busy machine slows each
    // attempt): the old code gave up after the first.
    const failedAttempts = () => lines.filter((l) => /LISTEN connection reconnect failed/.test(l.msg)).length;
    await eventually(async () => (failedAttempts() >= 3 ? true : undefined), 20_000);
    expect(relay.listening).toBe(false);
    expect(await metricValue(registry, 'outbox_listener_connected')).toBe(0);

    await admin.query(`ALTER DATABASE "${db.name}" ALLOW_CONNECTIONS true`);
    await eventually(async () => (relay.listening ? true : undefined), 15000);
    await expect(relay.checkListening()).resolves.toBeUndefined();
    const after = await publishLatency();
    console.log(`outbox LISTEN: ${failedAttempts()} failed reconnects while refused; publish latency after recovery ${after} ms`);
    expect(after).toBeLessThan(WOKEN_WITHIN_MS);
    // One error line for the outage (the later attempts are debug), one info line for the recovery.
    const errors = lines.filter((l) => l.level >= 50 && /LISTEN connection/.test(l.msg)).length - errorsBefore;
    expect(errors).toBe(1);
    expect(lines.filter((l) => /LISTEN connection recovered/.test(l.msg)).length).toBe(2);
    expect(relay.listenerReconnects).toBe(2);
  }, 60000);
});
