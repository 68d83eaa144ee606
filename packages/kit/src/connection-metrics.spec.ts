import { EventEmitter } from 'node:events';
import { Registry } from 'prom-client';
import { capped, ConnectionState, watchMongo, watchPostgresPool, watchRedis } from './connection-metrics';
import type { Logger } from './logger';

// Pure logic of the connectivity report: state transitions, the metrics they set, and one log
// line per outage edge. The real clients against real servers are tested in
// packages/service/test/connections.int-spec.ts.

function fakeLog() {
  const lines: Array<[string, string]> = [];
  const at = (level: string) => (_obj: unknown, msg?: string) => void lines.push([level, msg ?? '']);
  const log = { warn: at('warn'), info: at('info'), debug: at('debug'), error: at('error') } as unknown as Logger;
  return { log, lines, at: (level: string) => lines.filter(([l]) => l === level).map(([, m]) => m) };
}

async function value(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const found = (await metric!.get()).values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return found?.value;
}

describe('ConnectionState', () => {
  it('sets the gauge, counts a reconnect only after having been up, and logs one warning per outage and one info at its end', async () => {
    const registry = new Registry();
    const { log, at } = fakeLog();
    const state = new ConnectionState({ store: 'redis', client: 'main', metrics: registry, log });
    const labels = { store: 'redis', client: 'main' };
    expect(await value(registry, 'datastore_connected', labels)).toBe(0);
    expect(await value(registry, 'datastore_reconnects_total', labels)).toBe(0);

    state.up();
    state.up();
    expect(state.connected).toBe(true);
    expect(await value(registry, 'datastore_connected', labels)).toBe(1);
    expect(at('warn')).toEqual([]);

    for (let i = 0; i < 5; i++) state.down(new Error('connect ECONNREFUSED'));
    expect(state.connected).toBe(false);
    expect(await value(registry, 'datastore_connected', labels)).toBe(0);
    expect(at('warn')).toEqual(['redis connection (main) lost: connect ECONNREFUSED; reconnecting with backoff']);
    expect(at('debug')).toHaveLength(4);
    expect(state.downForMs).toEqual(expect.any(Number));

    state.up();
    expect(await value(registry, 'datastore_connected', labels)).toBe(1);
    expect(await value(registry, 'datastore_reconnects_total', labels)).toBe(1);
    expect(state.reconnects).toBe(1);
    expect(at('info')).toEqual([expect.stringMatching(/^redis connection \(main\) back after \d+ ms$/)]);
    expect(state.downForMs).toBeNull();

    // Closing on purpose is not an outage.
    state.close();
    state.down(new Error('closed'));
    state.up();
    expect(await value(registry, 'datastore_connected', labels)).toBe(0);
    expect(await value(registry, 'datastore_reconnects_total', labels)).toBe(1);
    expect(at('warn')).toHaveLength(1);
  });

  it('a client that never connected is "not established", and its first connection is no reconnect', async () => {
    const registry = new Registry();
    const { log, at } = fakeLog();
    const state = new ConnectionState({ store: 'mongo', client: 'request', metrics: registry, log });
    state.down(new Error('server selection timed out'));
    state.up();
    expect(at('warn')).toEqual(['mongo connection (request) not established: server selection timed out; retrying with backoff']);
    expect(at('info')).toEqual([expect.stringMatching(/^mongo connection \(request\) established after \d+ ms$/)]);
    expect(await value(registry, 'datastore_reconnects_total', { store: 'mongo', client: 'request' })).toBe(0);
  });

  it('several clients share one gauge and one counter per registry', async () => {
    const registry = new Registry();
    const a = new ConnectionState({ store: 'mongo', client: 'request', metrics: registry });
    const b = new ConnectionState({ store: 'mongo', client: 'background', metrics: registry });
    a.up();
    b.down();
    expect(await value(registry, 'datastore_connected', { client: 'request' })).toBe(1);
    expect(await value(registry, 'datastore_connected', { client: 'background' })).toBe(0);
  });
});

it('capped backoff doubles from its start and never passes its cap', () => {
  for (let attempt = 0; attempt < 40; attempt++) {
    const delay = capped(attempt, 250, 5000);
    expect(delay).toBeGreaterThanOrEqual(Math.min(5000, 250 * 2 ** attempt) * 0.8 - 1);
    expect(delay).toBeLessThanOrEqual(5000);
  }
});

it('watchRedis: ready is up, reconnecting is down with the last error, end closes', () => {
  const client = new EventEmitter() as EventEmitter & { status: string };
  client.status = 'connecting';
  const state = watchRedis(client, new ConnectionState({ store: 'redis', client: 'main' }));
  client.emit('ready');
  expect(state.connected).toBe(true);
  client.emit('error', new Error('read ECONNRESET'));
  client.emit('close');
  client.emit('reconnecting', 100);
  expect(state.connected).toBe(false);
  client.emit('ready');
  expect(state.reconnects).toBe(1);
  client.emit('end');
  client.emit('ready');
  expect(state.connected).toBe(false);
});

it('watchMongo: a known server is up, Unknown or a failed heartbeat is down', () => {
  const client = new EventEmitter();
  const state = watchMongo(client, new ConnectionState({ store: 'mongo', client: 'request' }));
  client.emit('serverDescriptionChanged', { newDescription: { type: 'Standalone' } });
  expect(state.connected).toBe(true);
  client.emit('serverDescriptionChanged', { newDescription: { type: 'Unknown', error: new Error('connection refused') } });
  expect(state.connected).toBe(false);
  client.emit('serverHeartbeatSucceeded', {});
  expect(state.connected).toBe(true);
  client.emit('serverHeartbeatFailed', { failure: new Error('timeout') });
  expect(state.connected).toBe(false);
  client.emit('serverDescriptionChanged', { newDescription: { type: 'Standalone' } });
  expect(state.reconnects).toBe(2);
  // A topology closed by a connect() retried at start is no end of the client.
  client.emit('topologyClosed');
  client.emit('serverHeartbeatFailed', { failure: new Error('timeout') });
  expect(state.connected).toBe(false);
});

describe('watchPostgresPool', () => {
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  /** Waits (bounded) for a state the watcher reaches by itself, so a loaded machine's slow timers do not fail the test. */
  const reaches = async (probe: () => boolean) => {
    for (let i = 0; i < 200 && !probe(); i++) await sleep(10);
    return probe();
  };

  it('probes the pool, is down while probes fail (backing off), up at the next success, and stops probing when stopped', async () => {
    let failing: Error | null = null;
    let probes = 0;
    const pool = Object.assign(new EventEmitter(), {
      query: async () => {
        probes++;
        if (failing) throw failing;
        return { rows: [] };
      },
    });
    const state = new ConnectionState({ store: 'postgres', client: 'pool' });
    const stop = watchPostgresPool(pool, state, { intervalMs: 50, initialBackoffMs: 10, maxBackoffMs: 40 });
    expect(await reaches(() => state.connected)).toBe(true);

    failing = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    pool.emit('error', failing); // an idle connection lost: down at once
    expect(state.connected).toBe(false);
    await sleep(200);
    expect(state.connected).toBe(false);

    failing = null;
    expect(await reaches(() => state.connected)).toBe(true);
    expect(state.reconnects).toBe(1);

    // A pool that is only busy has not lost its server.
    failing = new Error('timeout exceeded when trying to connect');
    await sleep(120);
    expect(state.connected).toBe(true);

    stop();
    const after = probes;
    await sleep(120);
    expect(probes).toBe(after);
    expect(state.connected).toBe(false);
  });

  it('a new connection of the pool is up at once', () => {
    const pool = Object.assign(new EventEmitter(), { query: () => new Promise<never>(() => undefined) });
    const state = new ConnectionState({ store: 'postgres', client: 'pool' });
    const stop = watchPostgresPool(pool, state, { intervalMs: 10_000 });
    state.down(new Error('lost'));
    pool.emit('connect');
    expect(state.connected).toBe(true);
    stop();
  });
});
