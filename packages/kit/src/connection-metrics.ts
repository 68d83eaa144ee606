import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger';

/**
 * Connectivity of a service's long-lived datastore clients, the same way for every kind:
 *
 *   datastore_connected{store, client}        1 while the client can reach its server, 0 while not
 *   datastore_reconnects_total{store, client} times it came back after being lost
 *
 * and one warning when a connection is lost (not one per retry; the retries go to debug) and one
 * info line when it is back, with how long it was down. What "connected" means per client:
 *   redis            ioredis's own state: 'ready' is up; a close it reconnects from is down (ioredis
 *                    reconnects forever with the kit's capped exponential backoff, createRedis).
 *   mongo            the driver's view of the server (SDAM): a known server is up, Unknown (a failed
 *                    heartbeat or a network error of an operation) is down. The driver's monitor
 *                    reconnects forever: every heartbeat (2 s, mongoClientOptions) and at once when an
 *                    operation waits for a server.
 *   postgres         the pool holds no connection to watch: the pool's last contact, from a cheap
 *                    probe (SELECT 1 on the pool, every 5 s while up and with capped exponential
 *                    backoff while down), an idle connection's error, and every new connection.
 *   kafka_producer   the producer's last contact: a send or a (re)connect that succeeded is up, one
 *                    that failed for the connection is down; while down it reconnects with capped
 *                    exponential backoff (@shopgraph/service superviseProducer).
 */
export type DatastoreKind = 'postgres' | 'redis' | 'mongo' | 'kafka_producer';

export interface ConnectionStateOptions {
  store: DatastoreKind;
  /** Which client of the service (a service may hold several of one store: `request`, `background`, `pool`, `outbox`…). */
  client: string;
  /** Where the gauge and counter live (omit for logs only). */
  metrics?: Registry;
  /** Where the outage's two lines go (omit for metrics only). */
  log?: Logger;
}

function connectedGauge(registry: Registry): Gauge<'store' | 'client'> {
  const existing = registry.getSingleMetric('datastore_connected');
  if (existing) return existing as Gauge<'store' | 'client'>;
  return new Gauge({
    name: 'datastore_connected',
    help: 'Long-lived datastore client connected (1) or not (0), by store and client',
    labelNames: ['store', 'client'],
    registers: [registry],
  });
}

function reconnectCounter(registry: Registry): Counter<'store' | 'client'> {
  const existing = registry.getSingleMetric('datastore_reconnects_total');
  if (existing) return existing as Counter<'store' | 'client'>;
  return new Counter({
    name: 'datastore_reconnects_total',
    help: 'Times a datastore client re-established its connection after losing it, by store and client',
    labelNames: ['store', 'client'],
    registers: [registry],
  });
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : error === undefined ? 'unknown' : String(error));

/**
 * The connectivity of one client: feed it `up()` and `down(error)` from whatever the client
 * reports; it keeps the gauge and counter and logs each outage once at its start and once at its
 * end. Repeated calls in the same state change nothing.
 */
export class ConnectionState {
  private state: 'unknown' | 'up' | 'down' | 'closed' = 'unknown';
  private wasUp = false;
  private downSince: number | null = null;
  private failures = 0;
  private count = 0;
  private readonly labels: { store: string; client: string };
  private readonly gauge: Gauge<'store' | 'client'> | null;
  private readonly counter: Counter<'store' | 'client'> | null;

  constructor(private readonly options: ConnectionStateOptions) {
    this.labels = { store: options.store, client: options.client };
    this.gauge = options.metrics ? connectedGauge(options.metrics) : null;
    this.counter = options.metrics ? reconnectCounter(options.metrics) : null;
    this.gauge?.set(this.labels, 0);
    // The counter's series exists from the start, so a dashboard sees 0 rather than nothing.
    this.counter?.inc(this.labels, 0);
  }

  get connected(): boolean {
    return this.state === 'up';
  }

  /** Times the client came back after being lost. */
  get reconnects(): number {
    return this.count;
  }

  /** Milliseconds since the connection was lost (null while connected). */
  get downForMs(): number | null {
    return this.downSince === null ? null : Date.now() - this.downSince;
  }

  up(): void {
    if (this.state === 'up' || this.state === 'closed') return;
    const previous = this.state;
    this.state = 'up';
    this.gauge?.set(this.labels, 1);
    if (previous === 'down' && this.downSince !== null) {
      const downForMs = Date.now() - this.downSince;
      if (this.wasUp) {
        this.count++;
        this.counter?.inc(this.labels);
      }
      this.options.log?.info(
        { store: this.options.store, client: this.options.client, downForMs, failedAttempts: this.failures },
        `${this.options.store} connection (${this.options.client}) ${this.wasUp ? 'back' : 'established'} after ${downForMs} ms`,
      );
    }
    this.wasUp = true;
    this.downSince = null;
    this.failures = 0;
  }

  down(error?: unknown): void {
    if (this.state === 'closed') return;
    this.failures++;
    if (this.state === 'down') {
      this.options.log?.debug({ store: this.options.store, client: this.options.client, err: error, attempts: this.failures }, `${this.options.store} still unreachable`);
      return;
    }
    this.state = 'down';
    this.downSince = Date.now();
    this.gauge?.set(this.labels, 0);
    this.options.log?.warn(
      { store: this.options.store, client: this.options.client, reason: describe(error) },
      this.wasUp
        ? `${this.options.store} connection (${this.options.client}) lost: ${describe(error)}; reconnecting with backoff`
        : `${this.options.store} connection (${this.options.client}) not established: ${describe(error)}; retrying with backoff`,
    );
  }

  /** The client was closed on purpose (service stopping): gauge 0, no log, no further changes. */
  close(): void {
    this.state = 'closed';
    this.gauge?.set(this.labels, 0);
  }
}

/** Capped exponential backoff with ±20 % jitter: `initialMs` doubling per attempt (0-based), never above `maxMs`. */
export function capped(attempt: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.max(0, Math.min(maxMs, Math.round(base * (1 + 0.2 * (Math.random() * 2 - 1)))));
}

type Listener = (...args: any[]) => void; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Emitter {
  on(event: string, listener: Listener): unknown;
}

/**
 * Reports an ioredis client's connectivity: 'ready' is up; a 'reconnecting' (ioredis lost the
 * connection, or failed to open one, and will try again) is down, with the last error; 'end'
 * (closed on purpose, no more reconnecting) closes the state.
 */
export function watchRedis(client: Emitter & { status?: string }, state: ConnectionState): ConnectionState {
  let lastError: unknown;
  client.on('error', (error: unknown) => (lastError = error));
  client.on('ready', () => state.up());
  client.on('reconnecting', () => state.down(lastError ?? new Error('connection closed')));
  client.on('end', () => state.close());
  if (client.status === 'ready') state.up();
  return state;
}

/**
 * Reports a MongoDB client's connectivity from the driver's server monitoring (SDAM): a server
 * description of a known type is up, `Unknown` is down (with the error that made it so). The
 * driver keeps monitoring, and so reconnecting, until the client is closed (call `state.close()` then).
 */
export function watchMongo(client: Emitter, state: ConnectionState): ConnectionState {
  client.on('serverDescriptionChanged', (event: { newDescription?: { type?: string; error?: unknown } }) => {
    const description = event.newDescription;
    if (!description) return;
    if (description.type === 'Unknown') state.down(description.error ?? new Error('server unknown'));
    else state.up();
  });
  client.on('serverHeartbeatFailed', (event: { failure?: unknown }) => state.down(event.failure));
  client.on('serverHeartbeatSucceeded', () => state.up());
  // Not closed on 'topologyClosed': a connect() retried at start closes its failed topology and
  // opens a new one on the same client. Whoever closes the client calls state.close().
  return state;
}

/** A pg Pool as far as the watcher needs it. */
export interface ProbedPool extends Emitter {
  query(sql: string): Promise<unknown>;
}

export interface PoolWatchOptions {
  /** Probe interval while connected (default 5000). */
  intervalMs?: number;
  /** First retry while down (default 250), doubling up to `maxBackoffMs` (default 5000). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

/** A pool that is only busy (every connection checked out) has not lost PostgreSQL: its wait timeout says nothing about the server. */
const poolBusy = (error: unknown) => /timeout exceeded when trying to connect/i.test(describe(error));

/**
 * Reports a pg Pool's connectivity. The pool keeps no connection of its own to watch (it opens
 * them on demand, and a request reconnects by itself), so its state is its last contact: a
 * probe (`SELECT 1` on the pool, not counted as a store query and traced only inside a request)
 * every `intervalMs` while up and with capped exponential backoff while down, an idle connection
 * that errors (down, probed again at once), and every new connection the pool opens (up).
 * Returns a stop function (call it before the pool is closed).
 */
export function watchPostgresPool(pool: ProbedPool, state: ConnectionState, options: PoolWatchOptions = {}): () => void {
  const intervalMs = options.intervalMs ?? 5000;
  const initial = options.initialBackoffMs ?? 250;
  const max = options.maxBackoffMs ?? 5000;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let attempt = 0;
  let probing = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(probe, ms);
    timer.unref();
  };
  const probe = async () => {
    timer = null;
    if (stopped || probing) return;
    probing = true;
    try {
      await pool.query('SELECT 1');
      attempt = 0;
      state.up();
    } catch (error) {
      if (!poolBusy(error)) state.down(error);
    } finally {
      probing = false;
    }
    schedule(state.connected ? intervalMs : capped(attempt++, initial, max));
  };

  pool.on('connect', () => {
    attempt = 0;
    state.up();
  });
  pool.on('error', (error: unknown) => {
    state.down(error);
    schedule(initial);
  });
  schedule(0);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    state.close();
  };
}
