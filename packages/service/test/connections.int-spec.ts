import { buildSchema } from 'graphql';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { baseConfigSchema, port } from '@shopgraph/kit';
import { createTestDatabase, eventually, freezableProxy, namespaceEnv, stackEnv, testDatabaseName, type FreezableProxy } from '@shopgraph/testkit';
import { defineSubgraph } from '../src';

// Issue 21: every long-lived datastore client of the lifecycle reconnects for as long as the
// service runs and says so in `datastore_connected{store,client}` and
// `datastore_reconnects_total`. A subgraph with PostgreSQL, Redis and the Mongo-wire server
// reaches each of them (the shared stack) through a TCP proxy of its own; the test cuts all three
// lines (connections reset, the port refusing), as stopped servers would, for longer than any
// single retry, then restores them: every client is reported down, then up again with its
// reconnect counted, and serves again without a restart of the service.

const configSchema = baseConfigSchema.extend({
  PORT: port(0),
  DATABASE_URL: z.string().url(),
  REDIS_URL: z.string(),
  MONGO_URL: z.string(),
  MONGO_DB: z.string(),
});

const definition = defineSubgraph({
  name: 'connections-test',
  config: configSchema,
  schema: async () => buildSchema('type Query { ping: String }'),
  stores: { postgres: { entities: [], migrations: [] }, mongo: {}, redis: {} },
});

type Series = Record<string, number>;
/** `store/client` → value of a metric with store and client labels. */
async function series(registry: Registry, name: string): Promise<Series> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no ${name}`);
  const out: Series = {};
  for (const v of (await metric.get()).values) out[`${v.labels.store}/${v.labels.client}`] = v.value;
  return out;
}

const CLIENTS = ['postgres/pool', 'redis/required', 'mongo/request', 'mongo/background'];
const all = (s: Series, value: number) => CLIENTS.every((c) => s[c] === value);

const via = (url: string, proxy: FreezableProxy) => {
  const u = new URL(url);
  u.host = `127.0.0.1:${proxy.port}`;
  return u.toString();
};

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const proxies: FreezableProxy[] = [];
let service: Awaited<ReturnType<typeof definition.create>> | null = null;

beforeAll(async () => {
  db = await createTestDatabase('connections');
});
afterAll(async () => {
  await service?.stop();
  for (const p of proxies) {
    await p.restore();
    await p.close();
  }
  await db?.drop();
});

it('PostgreSQL, Redis and Mongo cut off longer than a retry: each client reported down, then back with a reconnect counted, and serving', async () => {
  const target = (url: string, fallback: number) => ({ host: new URL(url).hostname, port: Number(new URL(url).port || fallback) });
  const [pg, redis, mongo] = await Promise.all([
    freezableProxy(target(db.url, 5432)),
    freezableProxy(target(stackEnv.redisUrl, 6379)),
    freezableProxy(target(stackEnv.mongoUrl, 27017)),
  ]);
  proxies.push(pg, redis, mongo);
  service = await definition.create(
    configSchema.parse({
      NODE_ENV: 'test',
      ...namespaceEnv(),
      LOG_LEVEL: 'silent',
      DATABASE_URL: via(db.url, pg),
      REDIS_URL: via(stackEnv.redisUrl, redis),
      MONGO_URL: via(stackEnv.mongoUrl, mongo),
      MONGO_DB: testDatabaseName('connections'),
    }),
  );
  const { url } = await service.start();
  const ready = async () => (await fetch(url.replace('/graphql', '/health/ready'))).status;
  const svc = service;

  await eventually(async () => (all(await series(svc.metrics, 'datastore_connected'), 1) ? true : undefined), 15_000, 100);
  expect(await series(svc.metrics, 'datastore_reconnects_total')).toEqual(Object.fromEntries(CLIENTS.map((c) => [c, 0])));

  await Promise.all([pg.cut(), redis.cut(), mongo.cut()]);
  const down = await eventually(async () => {
    const s = await series(svc.metrics, 'datastore_connected');
    return all(s, 0) ? s : undefined;
  }, 20_000, 100);
  expect(down).toEqual(Object.fromEntries(CLIENTS.map((c) => [c, 0])));
  expect(await ready()).toBe(503);
  // Longer than any single retry (Redis caps at 2 s, the pool probe at 5 s, Mongo's heartbeat is 2 s).
  await new Promise((r) => setTimeout(r, 6000));
  expect(all(await series(svc.metrics, 'datastore_connected'), 0)).toBe(true);

  await Promise.all([pg.restore(), redis.restore(), mongo.restore()]);
  const restoredAt = Date.now();
  await eventually(async () => (all(await series(svc.metrics, 'datastore_connected'), 1) ? true : undefined), 20_000, 100);
  const recoveredMs = Date.now() - restoredAt;
  const reconnects = await series(svc.metrics, 'datastore_reconnects_total');
  for (const client of CLIENTS) expect({ client, reconnected: reconnects[client] >= 1 }).toEqual({ client, reconnected: true });
  console.log(`datastore clients back ${recoveredMs} ms after the lines were restored; reconnects ${JSON.stringify(reconnects)}`);

  // Serving again, without a restart of the service.
  expect(await svc.redis.ping()).toBe('PONG');
  expect(await svc.dataSource.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  expect((await svc.db.command({ ping: 1 })).ok).toBe(1);
  await eventually(async () => ((await ready()) === 200 ? true : undefined), 10_000, 100);

  // Stopping is not an outage: the gauges go to 0 without a reconnect being counted.
  await svc.stop();
  expect(all(await series(svc.metrics, 'datastore_connected'), 0)).toBe(true);
  expect(await series(svc.metrics, 'datastore_reconnects_total')).toEqual(reconnects);
}, 90_000);
