import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource, EntityManager, EntitySubscriberInterface, MigrationInterface, QueryRunner, TransactionCommitEvent, TransactionRollbackEvent } from 'typeorm';
import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import type { EventEnvelope, TopicNamespace } from './contracts';
import { publish } from './kafka';
import { Waker } from './waker';
import { baseTopicOf } from './envelope';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';
import { gaugeSource, sharedCounter } from './health-metrics';
import { OutageLog } from './outage-log';

const NOTIFY_CHANNEL = 'shopgraph_outbox';
/** application_name of every relay's LISTEN connection. */
export const LISTENER_APPLICATION_NAME = 'shopgraph-outbox-listener';
// Only one relay per database publishes at a time, so one aggregate's events keep their order.
const RELAY_LOCK_KEY = 74_021_113;

/** Migration creating the `outbox` and `inbox` tables; add it to every PostgreSQL service's migrations. */
export class CreateOutboxAndInbox1767225500000 implements MigrationInterface {
  name = 'CreateOutboxAndInbox1767225500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox (
        seq bigserial PRIMARY KEY,
        id uuid NOT NULL UNIQUE,
        topic text NOT NULL,
        key text NOT NULL,
        envelope jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query('CREATE INDEX outbox_unsent ON outbox (seq) WHERE sent_at IS NULL');
    await q.query(`
      CREATE TABLE inbox (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE inbox');
    await q.query('DROP TABLE outbox');
  }
}

/** Marks a transaction (its QueryRunner's `data`) that wrote outbox rows: its relay is woken after the commit. */
const ENQUEUED = 'shopgraphOutboxEnqueued';

/** The relay of each DataSource in this process: the tag of its NOTIFYs, and how to wake it. */
const localRelays = new WeakMap<DataSource, { tag: string; wake: () => void }>();

/**
 * Writes events to the outbox inside the caller's transaction. They are published only if
 * that transaction commits. After the commit the relay of the same DataSource in this process
 * is woken directly; the NOTIFY sent with the insert (delivered on commit, in the same statement)
 * wakes the relays of other processes (replicas), and carries the local relay's tag so that
 * one does not wake twice.
 */
export async function enqueueEvents(manager: EntityManager, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  const runner = manager.queryRunner;
  if (!runner?.isTransactionActive) throw new Error('enqueueEvents must run inside a transaction');
  const values: unknown[] = [localRelays.get(manager.connection)?.tag ?? ''];
  const rows = events.map((e, i) => {
    values.push(e.id, topicFor(e), e.aggregateId, JSON.stringify(e));
    return `($${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}, $${i * 4 + 5}::jsonb)`;
  });
  // One round trip: the data-modifying CTE runs whether or not the SELECT reads it.
  await manager.query(
    `WITH written AS (INSERT INTO outbox (id, topic, key, envelope) VALUES ${rows.join(', ')}) SELECT pg_notify('${NOTIFY_CHANNEL}', $1::text)`,
    values,
  );
  runner.data = { ...(runner.data ?? {}), [ENQUEUED]: true };
}

/** Wakes the local relay after a transaction that wrote outbox rows commits (not after a savepoint's release). */
class WakeAfterCommit implements EntitySubscriberInterface {
  constructor(
    private readonly dataSource: DataSource,
    private readonly wake: () => void,
  ) {}

  afterTransactionCommit(event: TransactionCommitEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (!data?.[ENQUEUED] || event.queryRunner.isTransactionActive || event.connection !== this.dataSource) return;
    data[ENQUEUED] = false;
    this.wake();
  }

  afterTransactionRollback(event: TransactionRollbackEvent): void {
    const data = event.queryRunner.data as Record<string, unknown> | undefined;
    if (data?.[ENQUEUED] && !event.queryRunner.isTransactionActive) data[ENQUEUED] = false;
  }
}

// The row records the base topic; the relay adds its namespace when it publishes.
const topicFor = (e: EventEnvelope) => baseTopicOf(e.type);

/**
 * Records that `consumer` handled `event` and runs its effect in the same transaction; a
 * redelivered event finds its inbox row and changes nothing. Returns false for a duplicate.
 */
export async function processOnce(
  dataSource: DataSource,
  consumer: string,
  event: EventEnvelope,
  effect: (manager: EntityManager) => Promise<void>,
): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    const inserted: unknown[] = await manager.query(
      'INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING event_id',
      [consumer, event.id, event.type],
    );
    if (inserted.length === 0) return false;
    await effect(manager);
    return true;
  });
}

export interface RelayOptions {
  dataSource: DataSource;
  /** Connection URL of the same database, for the LISTEN connection. */
  url: string;
  producer: Producer;
  /** The service's namespace: events go to its topics (`@shopgraph/kit` namespaceOf(config)). */
  namespace: TopicNamespace;
  log: Logger;
  /** Safety-net poll interval when no NOTIFY arrives (e.g. missed during a reconnect). */
  pollIntervalMs?: number;
  batchSize?: number;
  /** Reconnect backoff of the LISTEN connection (default 250 ms doubling to 10 s, with jitter). */
  reconnect?: Partial<BackoffOptions>;
  /** Backoff after a failed publish (default 250 ms doubling to 5 s). */
  retry?: Partial<BackoffOptions>;
  /** Registry for `outbox_listener_connected`, `outbox_listener_reconnects_total`, `outbox_backlog` and `outbox_oldest_unsent_age_seconds`. */
  metrics?: Registry;
  /** Register `outbox_backlog` (default true; off where the service registers its own). */
  backlogGauge?: boolean;
}

/**
 * Publishes outbox rows to Kafka in commit order and marks them sent. Woken by NOTIFY on
 * commit, polling as a safety net. A crash between publish and mark re-publishes the batch:
 * delivery is at least once, and consumers are idempotent.
 *
 * The LISTEN connection is kept for as long as the relay runs: when it drops (PostgreSQL
 * restart, backend terminated) it reconnects with capped exponential backoff, logging the
 * outage once and the recovery; `listening` says whether it is connected now.
 */
export class PostgresOutboxRelay {
  private running = false;
  private readonly waker = new Waker();
  private listener: Client | null = null;
  private loop: Promise<void> | null = null;
  private listenLoop: Promise<void> | null = null;
  private lastCleanup = 0;
  private abort = new AbortController();
  private listenerLost: (() => void) | null = null;
  private reconnects = 0;
  private readonly listenerOutage: OutageLog;
  private readonly publishOutage: OutageLog;
  private readonly reconnectsTotal: { inc(): void } | null;
  private readonly removeGauges: Array<() => void> = [];
  /** Payload of the NOTIFYs of this process's writes through `dataSource` (this relay is woken in-process for those). */
  private readonly tag = randomUUID();
  private readonly afterCommit: WakeAfterCommit;

  constructor(private readonly options: RelayOptions) {
    this.afterCommit = new WakeAfterCommit(options.dataSource, () => this.wake());
    this.listenerOutage = new OutageLog(options.log, 'outbox LISTEN connection');
    this.publishOutage = new OutageLog(options.log, 'outbox relay');
    const registry = options.metrics;
    this.reconnectsTotal = registry
      ? sharedCounter(registry, 'outbox_listener_reconnects_total', 'Times the outbox relay re-established its LISTEN connection', [])
      : null;
    if (registry) {
      this.removeGauges.push(
        gaugeSource(registry, 'outbox_listener_connected', 'Outbox relay LISTEN connection up (1) or down (0)', [], () => [[{}, this.listening ? 1 : 0]]),
      );
      if (options.backlogGauge !== false) {
        this.removeGauges.push(
          gaugeSource(registry, 'outbox_backlog', 'Outbox events not yet published to Kafka', [], async () => [
            [{}, this.running ? (await this.stats()).backlog : 0],
          ]),
        );
      }
      this.removeGauges.push(
        gaugeSource(
          registry,
          'outbox_oldest_unsent_age_seconds',
          'Age of the oldest outbox event not yet published to Kafka (0 when none)',
          [],
          async () => [[{}, this.running ? (await this.stats()).oldestAgeSeconds : 0]],
        ),
      );
    }
  }

  /** True while the LISTEN connection is up (NOTIFY wakes the relay at once). */
  get listening(): boolean {
    return this.listener !== null;
  }

  /** Times the LISTEN connection was re-established since start. */
  get listenerReconnects(): number {
    return this.reconnects;
  }

  async start(): Promise<void> {
    this.running = true;
    this.abort = new AbortController();
    // Writes through this DataSource wake this relay right after their commit (no NOTIFY round trip).
    if (!localRelays.has(this.options.dataSource)) {
      localRelays.set(this.options.dataSource, { tag: this.tag, wake: () => this.wake() });
      this.options.dataSource.subscribers.push(this.afterCommit);
    }
    // The first connection must work (the service is starting against a live database); later
    // losses are reconnected by the loop below.
    const client = await this.connectListener();
    this.listenLoop = this.keepListening(client);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    if (localRelays.get(this.options.dataSource)?.tag === this.tag) {
      localRelays.delete(this.options.dataSource);
      const subscribers = this.options.dataSource.subscribers;
      const at = subscribers.indexOf(this.afterCommit);
      if (at >= 0) subscribers.splice(at, 1);
    }
    this.wake();
    this.listenerLost?.();
    await this.loop;
    await this.listenLoop;
    for (const remove of this.removeGauges) remove();
  }

  /**
   * Readiness check of the LISTEN connection: throws while it is down. A relay that is not
   * listening still publishes on its safety-net poll, so services report it as degraded.
   */
  async checkListening(): Promise<void> {
    if (!this.listening) throw new Error(`outbox relay not listening (reconnecting; publishing on the ${this.options.pollIntervalMs ?? 1000} ms poll)`);
  }

  /** Asks the relay to look at the outbox now. */
  wake(): void {
    this.waker.wake();
  }

  /**
   * Rows not yet published (a metric). Counted on the idle LISTEN connection when there is one,
   * so a metrics scrape neither takes a pooled connection from requests nor shows up in the
   * service's store-query counters; on the pool while the listener is down.
   */
  async backlog(): Promise<number> {
    const sql = 'SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL';
    if (this.listener) {
      try {
        const { rows } = await this.listener.query(sql);
        return rows[0].n;
      } catch {
        // the listener just went away: the pool answers below
      }
    }
    const [row] = await this.options.dataSource.query(sql);
    return row.n;
  }

  private statsCache: { at: number; value: Promise<{ backlog: number; oldestAgeSeconds: number }> } | null = null;

  /**
   * Backlog and age of the oldest unsent row in one query (on the LISTEN connection like
   * backlog()), shared by the two gauges of one scrape (cached for a second); zeros on failure.
   */
  stats(): Promise<{ backlog: number; oldestAgeSeconds: number }> {
    if (this.statsCache && Date.now() - this.statsCache.at < 1000) return this.statsCache.value;
    const sql =
      'SELECT count(*)::int AS n, COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age FROM outbox WHERE sent_at IS NULL';
    const read = async () => {
      if (this.listener) {
        try {
          return (await this.listener.query(sql)).rows[0];
        } catch {
          // the listener just went away: the pool answers below
        }
      }
      return (await this.options.dataSource.query(sql))[0];
    };
    const value = read().then(
      (row: { n: number; age: number }) => ({ backlog: row.n, oldestAgeSeconds: Number(row.age) }),
      () => ({ backlog: 0, oldestAgeSeconds: 0 }),
    );
    this.statsCache = { at: Date.now(), value };
    return value;
  }

  private async connectListener(): Promise<Client> {
    // Named, so an operator (and pg_stat_activity) can tell the relay's LISTEN connection apart.
    const client = new Client({ connectionString: this.options.url, application_name: LISTENER_APPLICATION_NAME });
    // Writes of this process through this relay's DataSource woke it already, after their commit.
    client.on('notification', (message) => {
      if (message.payload !== this.tag || !this.running) this.wake();
    });
    // Errors after connect end in the 'end' event handled by keepListening; this keeps them from being unhandled.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  /** Holds a LISTEN connection until stop: waits for it to end, then reconnects with backoff. */
  private async keepListening(first: Client): Promise<void> {
    const backoff: BackoffOptions = { initialMs: this.options.reconnect?.initialMs ?? 250, maxMs: this.options.reconnect?.maxMs ?? 10_000 };
    let client: Client | null = first;
    while (this.running) {
      if (client) {
        this.listener = client;
        const lost = await new Promise<Error | null>((resolve) => {
          client!.once('end', () => resolve(new Error('connection ended')));
          client!.once('error', (error) => resolve(error));
          this.listenerLost = () => resolve(null);
        });
        this.listener = null;
        this.listenerLost = null;
        await client.end().catch(() => undefined);
        client = null;
        if (!this.running) break;
        this.listenerOutage.failed(lost ?? new Error('connection ended'), 'lost; reconnecting with backoff (the relay polls meanwhile)');
      }
      let attempt = 0;
      while (this.running && !client) {
        await sleep(backoffDelay(attempt++, backoff), this.abort.signal);
        if (!this.running) break;
        try {
          client = await this.connectListener();
        } catch (error) {
          this.listenerOutage.failed(error, 'reconnect failed; retrying');
        }
      }
      if (client) {
        this.reconnects++;
        this.reconnectsTotal?.inc();
        this.listenerOutage.recovered(`listening again after ${attempt} attempt(s)`);
        // Whatever was committed while nobody listened goes out now, not on the next poll.
        this.wake();
      }
    }
    if (client) await client.end().catch(() => undefined);
  }

  private async run(): Promise<void> {
    const batch = this.options.batchSize ?? 200;
    const backoff: BackoffOptions = { initialMs: this.options.retry?.initialMs ?? 250, maxMs: this.options.retry?.maxMs ?? 5000 };
    let failures = 0;
    while (this.running) {
      let published = 0;
      try {
        published = await this.drainOnce(batch);
        await this.cleanup();
      } catch (error) {
        // Broker or database away: keep trying with backoff (not woken by NOTIFY, which would
        // turn every write into a retry), logging the outage once and its end.
        this.publishOutage.failed(error, 'failed; retrying with backoff');
        await sleep(backoffDelay(failures++, backoff), this.abort.signal);
        continue;
      }
      if (failures > 0) this.publishOutage.recovered(`publishing again after ${failures} failed attempt(s)`);
      failures = 0;
      if (published < batch) await this.waker.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** Publishes one batch; returns how many rows it published. */
  async drainOnce(batch = 200): Promise<number> {
    return this.options.dataSource.transaction(async (m) => {
      // The lock and the batch in one round trip: no rows when another relay holds the lock.
      const rows: { id: string; envelope: EventEnvelope }[] = await m.query(
        `SELECT o.id, o.envelope FROM (SELECT pg_try_advisory_xact_lock($1) AS locked) l,
                LATERAL (SELECT id, envelope FROM outbox WHERE l.locked AND sent_at IS NULL ORDER BY seq LIMIT $2) o`,
        [RELAY_LOCK_KEY, batch],
      );
      if (rows.length === 0) return 0;
      await publish(this.options.producer, rows.map((r) => r.envelope), this.options.namespace);
      await m.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  private async cleanup(): Promise<void> {
    if (Date.now() - this.lastCleanup < 60_000) return;
    this.lastCleanup = Date.now();
    await this.options.dataSource.query("DELETE FROM outbox WHERE sent_at < now() - interval '1 day'");
  }
}
