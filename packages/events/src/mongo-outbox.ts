import type { Collection, Db, Document } from 'mongodb';
import type { Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Logger } from '@shopgraph/kit';
import type { EventEnvelope, TopicNamespace } from './contracts';
import { publish } from './kafka';
import { Waker } from './waker';
import type { DocumentLocks } from './document-locks';
import { backoffDelay, sleep } from './backoff';
import { gaugeSource } from './health-metrics';
import { OutageLog } from './outage-log';

/**
 * MongoDB outbox kept inside the document it describes: the events ride in the same
 * single-document write as the change (atomic on every Mongo-wire server, with or without
 * multi-document transactions), and the relay publishes and clears them.
 *   _outbox: pending envelopes, in order; _outboxPending: index-friendly flag;
 *   _outboxVersion: bumped on every enqueue so clearing never drops an event added meanwhile.
 */
export interface OutboxFields {
  _outbox?: EventEnvelope[];
  _outboxPending?: boolean;
  _outboxVersion?: number;
}

/** Fields to spread into a new document so its creation events go out with it. */
export function outboxOnInsert(events: EventEnvelope[]): Required<OutboxFields> {
  return { _outbox: events, _outboxPending: events.length > 0, _outboxVersion: 1 };
}

/** Update operators that append events to a document's outbox; merge with the change's own `$set`. */
export function outboxOnUpdate(events: EventEnvelope[]): { $push: Document; $set: Document; $inc: Document } {
  return { $push: { _outbox: { $each: events } }, $set: { _outboxPending: true }, $inc: { _outboxVersion: 1 } };
}

/** Projection that keeps outbox fields out of reads for the API. */
export const WITHOUT_OUTBOX = { _outbox: 0, _outboxPending: 0, _outboxVersion: 0 } as const;

export interface MongoRelayOptions {
  collections: Collection[];
  producer: Producer;
  /** The service's namespace: events go to its topics (`@shopgraph/kit` namespaceOf(config)). */
  namespace: TopicNamespace;
  log: Logger;
  pollIntervalMs?: number;
  /** The service's per-document locks, so the clearing write never races its own writes (FerretDB). */
  locks?: DocumentLocks;
  /** Registry for `outbox_backlog` (documents with unpublished events) and `outbox_oldest_unsent_age_seconds`. */
  metrics?: Registry;
}

/**
 * Publishes the pending events of documents in `collections`, in each document's order, then
 * clears them if no new event arrived meanwhile. At least once: a crash after publishing
 * re-publishes; consumers are idempotent. Call `wake()` after a write to publish at once.
 */
export class MongoOutboxRelay {
  private running = false;
  private readonly waker = new Waker();
  private loop: Promise<void> | null = null;
  private abort = new AbortController();
  private readonly outage: OutageLog;
  private removeGauge: () => void = () => undefined;

  constructor(private readonly options: MongoRelayOptions) {
    this.outage = new OutageLog(options.log, 'mongo outbox relay');
    if (options.metrics) {
      const removeBacklog = gaugeSource(
        options.metrics,
        'outbox_backlog',
        'Outbox: documents with events not yet published to Kafka',
        [],
        async () => [[{}, this.running ? await this.backlog().catch(() => 0) : 0]],
      );
      const removeAge = gaugeSource(
        options.metrics,
        'outbox_oldest_unsent_age_seconds',
        'Age of the oldest outbox event not yet published to Kafka (0 when none)',
        [],
        async () => [[{}, this.running ? await this.oldestAgeSeconds().catch(() => 0) : 0]],
      );
      this.removeGauge = () => {
        removeBacklog();
        removeAge();
      };
    }
  }

  /** Seconds since the oldest pending event was created (0 when none is pending); reads at most 1000 pending documents per collection. */
  async oldestAgeSeconds(): Promise<number> {
    let oldest = Infinity;
    for (const c of this.options.collections) {
      const docs = await c
        .find({ _outboxPending: true }, { projection: { _outbox: 1 } })
        .limit(1000)
        .toArray();
      for (const doc of docs) {
        const at = Date.parse((doc._outbox as EventEnvelope[] | undefined)?.[0]?.occurredAt ?? '');
        if (Number.isFinite(at)) oldest = Math.min(oldest, at);
      }
    }
    return oldest === Infinity ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
  }

  /** Documents with events not yet published (a metric). */
  async backlog(): Promise<number> {
    let n = 0;
    for (const c of this.options.collections) n += await c.countDocuments({ _outboxPending: true });
    return n;
  }

  async start(): Promise<void> {
    for (const c of this.options.collections) await c.createIndex({ _outboxPending: 1 });
    this.running = true;
    this.abort = new AbortController();
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake();
    await this.loop;
    this.removeGauge();
  }

  wake(): void {
    this.waker.wake();
  }

  /** Publishes what is pending now; returns how many events it published. */
  async drainOnce(limit = 200): Promise<number> {
    let published = 0;
    for (const collection of this.options.collections) {
      const docs = await collection
        .find({ _outboxPending: true }, { projection: { _outbox: 1, _outboxVersion: 1 } })
        .limit(limit)
        .toArray();
      for (const doc of docs) {
        const events = (doc._outbox ?? []) as EventEnvelope[];
        await publish(this.options.producer, events, this.options.namespace);
        const clear = () =>
          collection.updateOne({ _id: doc._id, _outboxVersion: doc._outboxVersion }, { $set: { _outbox: [], _outboxPending: false } });
        await (this.options.locks ? this.options.locks.run(String(doc._id), clear) : clear());
        published += events.length;
      }
    }
    return published;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.drainOnce();
      } catch (error) {
        // Broker or Mongo away: retry with capped backoff (250 ms doubling to 5 s, not cut short
        // by wakes), logging the outage once and its end.
        this.outage.failed(error, 'failed; retrying with backoff');
        await sleep(backoffDelay(failures++, { initialMs: 250, maxMs: 5000 }), this.abort.signal);
        continue;
      }
      if (failures > 0) this.outage.recovered(`publishing again after ${failures} failed attempt(s)`);
      failures = 0;
      await this.waker.sleep(this.options.pollIntervalMs ?? 500);
    }
  }
}

/**
 * Idempotent handling for MongoDB consumers: skips an event already recorded in
 * `processed_events`. Without multi-document transactions the marker is written after the
 * effect, so effects must themselves be idempotent (upserts keyed by the fact they record);
 * the marker spares the repeat work.
 */
export async function processOnceMongo(db: Db, consumer: string, event: EventEnvelope, effect: () => Promise<void>): Promise<boolean> {
  const markers = db.collection<{ _id: string; type: string; at: Date }>('processed_events');
  const key = `${consumer}:${event.id}`;
  if (await markers.findOne({ _id: key })) return false;
  await effect();
  try {
    await markers.insertOne({ _id: key, type: event.type, at: new Date() });
  } catch (error) {
    if ((error as { code?: number }).code !== 11000) throw error;
  }
  return true;
}
