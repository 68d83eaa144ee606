import { randomBytes } from 'node:crypto';
import type { Admin, Consumer } from 'kafkajs';
import { ContractViolation, createKafka, ensureTopics, parseEvent, Topics, waitForFirstFetch, type EventEnvelope } from '@shopgraph/events';
import type { Logger } from '@shopgraph/kit';
import type { OrderEventHub } from './order-hub';


export interface OrderFeedOptions {
  brokers: string[];
  /** Consumer group of this instance; each gateway replica needs its own so every replica sees every event. */
  groupId?: string;
  hub: OrderEventHub;
  log: Logger;
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
  private consumer: Consumer | null = null;
  private admin: Admin | null = null;
  readonly groupId: string;

  constructor(private readonly options: OrderFeedOptions) {
    this.groupId = options.groupId ?? instanceGroupId();
  }

  /** Connects, subscribes and resolves after the first fetch, so no event produced afterwards is missed. */
  async start(): Promise<void> {
    const { log, hub } = this.options;
    const kafka = createKafka(this.options.brokers, 'gateway', log);
    await ensureTopics(kafka, [Topics.orders]);
    const admin = kafka.admin();
    await admin.connect();
    this.admin = admin;
    const consumer = kafka.consumer({
      groupId: this.groupId,
      maxWaitTimeInMs: 50,
      sessionTimeout: 15000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 10000,
      retry: { initialRetryTime: 200, retries: 10 },
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.orders], fromBeginning: false });
    const fetched = waitForFirstFetch(consumer);
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 3,
      eachMessage: async ({ topic, partition, message }) => {
        let event: EventEnvelope | null = null;
        try {
          event = parseEvent(message.value);
        } catch (error) {
          if (!(error instanceof ContractViolation)) throw error;
          log.error({ topic, partition, offset: message.offset, reason: error.message }, 'skipping a message that breaks the event contract');
        }
        if (event?.type !== 'OrderStatusChanged') return;
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
    await fetched;
  }

  /** Readiness: the broker answers. */
  async check(): Promise<void> {
    if (!this.admin) throw new Error('order feed not started');
    await this.admin.describeCluster();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.admin?.disconnect()]);
    this.consumer = null;
    this.admin = null;
  }
}
