import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { createKafka, ensureTopics, startConsumer, topicsIn, type EventEnvelope, type RunningConsumer } from '@shopgraph/events';
import type { Logger, Namespace } from '@shopgraph/kit';
import type { Registry } from 'prom-client';
import type { OrderEventHub } from './order-hub';

export interface OrderFeedOptions {
  brokers: string[];
  /** The gateway's namespace (SG_NAMESPACE): its orders.v1 and its consumer group. */
  namespace: Namespace;
  /** Consumer group of this instance; each gateway replica needs its own so every replica sees every event. */
  groupId?: string;
  hub: OrderEventHub;
  log: Logger;
  /** Registry for the consumer's up gauge and restarts counter. */
  registry?: Registry;
}

/** A fresh consumer group id for one gateway instance. */
export function instanceGroupId(): string {
  return `gateway-${randomBytes(6).toString('hex')}`;
}

/**
 * This instance's reader of `orders.v1`: one consumer in a group of its own, starting at the
 * newest offset (a subscriber gets past states from the order itself, not from the log), never
 * committing (a restarted instance starts fresh), feeding OrderStatusChanged to the hub.
 */
export class OrderFeed {
  private consumer: RunningConsumer | null = null;
  private admin: Admin | null = null;
  readonly groupId: string;

  constructor(private readonly options: OrderFeedOptions) {
    this.groupId = options.namespace.group(options.groupId ?? instanceGroupId());
  }

  /** Connects, subscribes and resolves after the first fetch, so no event produced afterwards is missed. */
  async start(): Promise<void> {
    const { log, hub } = this.options;
    const kafka = createKafka(this.options.brokers, 'gateway', log);
    const Topics = topicsIn(this.options.namespace);
    await ensureTopics(kafka, [Topics.orders]);
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    this.consumer = await startConsumer({
      kafka,
      groupId: this.groupId,
      topics: [Topics.orders],
      log,
      fromBeginning: false,
      commitOffsets: false,
      metrics: this.options.registry,
      handle: async (event) => {
        if (event.type !== 'OrderStatusChanged') return;
        const { payload } = event as EventEnvelope<'OrderStatusChanged'>;
        hub.publish({
          orderId: payload.orderId,
          customerId: payload.customerId,
          change: {
            version: payload.version,
            status: payload.status,
            previousStatus: payload.previousStatus,
            reason: payload.reason,
            at: payload.at,
            occurredAt: event.occurredAt,
          },
        });
      },
    });
  }

  /** Readiness: the broker answers and the feed's consumer is running and fetched recently (it restarts itself after a crash). */
  async check(): Promise<void> {
    if (!this.admin || !this.consumer) throw new Error('order feed not started');
    await this.consumer.check();
    await this.admin.describeCluster();
  }

  /** Liveness: fails only when the feed's consumer cannot run (gave up, or down for minutes despite restarts). */
  async live(): Promise<void> {
    await this.consumer?.live();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer?.stop(), this.admin?.disconnect()]);
    this.consumer = null;
    this.admin = null;
  }
}
