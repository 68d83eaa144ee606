import { Client } from 'pg';
import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { Producer } from 'kafkajs';
import type { Logger } from '@shopgraph/kit';
import type { EventEnvelope } from './contracts';
import { publish } from './kafka';
import { Waker } from './waker';
import { topicOf } from './envelope';

const NOTIFY_CHANNEL = 'shopgraph_outbox';
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

/**
 * Writes events to the outbox inside the caller's transaction. They are published only if
 * that transaction commits; the NOTIFY (delivered on commit) wakes the relay at once.
 */
export async function enqueueEvents(manager: EntityManager, events: EventEnvelope[]): Promise<void> {
  if (events.length === 0) return;
  if (!manager.queryRunner?.isTransactionActive) throw new Error('enqueueEvents must run inside a transaction');
  const values: unknown[] = [];
  const rows = events.map((e, i) => {
    values.push(e.id, topicFor(e), e.aggregateId, JSON.stringify(e));
    return `($${i * 4 + 1}, $${i * 4 + 2}, $${i * 4 + 3}, $${i * 4 + 4}::jsonb)`;
  });
  await manager.query(`INSERT INTO outbox (id, topic, key, envelope) VALUES ${rows.join(', ')}`, values);
  await manager.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
}

const topicFor = (e: EventEnvelope) => topicOf(e.type);

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
  log: Logger;
  /** Safety-net poll interval when no NOTIFY arrives (e.g. missed during a reconnect). */
  pollIntervalMs?: number;
  batchSize?: number;
}

/**
 * Publishes outbox rows to Kafka in commit order and marks them sent. Woken by NOTIFY on
 * commit, polling as a safety net. A crash between publish and mark re-publishes the batch:
 * delivery is at least once, and consumers are idempotent.
 */
export class PostgresOutboxRelay {
  private running = false;
  private readonly waker = new Waker();
  private listener: Client | null = null;
  private loop: Promise<void> | null = null;
  private lastCleanup = 0;

  constructor(private readonly options: RelayOptions) {}

  async start(): Promise<void> {
    this.running = true;
    await this.listen();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
  }

  /** Asks the relay to look at the outbox now. */
  wake(): void {
    this.waker.wake();
  }

  /** Rows not yet published (a metric). */
  async backlog(): Promise<number> {
    const [row] = await this.options.dataSource.query('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL');
    return row.n;
  }

  private async listen(): Promise<void> {
    const client = new Client({ connectionString: this.options.url });
    client.on('notification', () => this.wake());
    client.on('error', (error) => {
      this.options.log.warn({ err: error }, 'outbox LISTEN connection lost; reconnecting');
      this.listener = null;
      setTimeout(() => this.running && this.listen().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    this.listener = client;
  }

  private async run(): Promise<void> {
    const { log } = this.options;
    const batch = this.options.batchSize ?? 200;
    while (this.running) {
      let published = 0;
      try {
        published = await this.drainOnce(batch);
        await this.cleanup();
      } catch (error) {
        log.error({ err: error }, 'outbox relay failed; retrying');
        await this.waker.sleep(1000);
        continue;
      }
      if (published < batch) await this.waker.sleep(this.options.pollIntervalMs ?? 1000);
    }
  }

  /** Publishes one batch; returns how many rows it published. */
  async drainOnce(batch = 200): Promise<number> {
    return this.options.dataSource.transaction(async (m) => {
      const [{ locked }] = await m.query('SELECT pg_try_advisory_xact_lock($1) AS locked', [RELAY_LOCK_KEY]);
      if (!locked) return 0;
      const rows: { id: string; envelope: EventEnvelope }[] = await m.query(
        'SELECT id, envelope FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1',
        [batch],
      );
      if (rows.length === 0) return 0;
      await publish(this.options.producer, rows.map((r) => r.envelope));
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
