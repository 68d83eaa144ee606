import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DeliveryKind } from './version-sequencer';

/** The subscription server's Prometheus metrics, in the gateway's registry. */
export interface SubscriptionMetrics {
  openSockets: Gauge;
  activeSubscriptions: Gauge<'field'>;
  deliveries: Counter<'kind'>;
  /** From the event's creation (envelope occurredAt) to the socket send; live events only. */
  deliveryLatency: Histogram;
  slowConsumers: Counter;
  /** Sockets closed because their session was revoked. */
  revokedSockets: Counter;
  /** Subscribe messages refused by trusted-documents mode. */
  refusedUntrusted: Counter;
}

export function createSubscriptionMetrics(registry: Registry): SubscriptionMetrics {
  return {
    openSockets: new Gauge({ name: 'subscription_sockets_open', help: 'Open graphql-ws sockets', registers: [registry] }),
    activeSubscriptions: new Gauge({
      name: 'subscription_active',
      help: 'Active subscriptions by root field',
      labelNames: ['field'],
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'subscription_deliveries_total',
      help: 'Subscription messages sent, by kind (initial state, live event, recovered from history)',
      labelNames: ['kind'],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: 'subscription_event_delivery_seconds',
      help: 'Time from an order event being produced to its message being sent on a socket',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    slowConsumers: new Counter({
      name: 'subscription_slow_consumer_disconnects_total',
      help: 'Sockets closed because the client could not keep up',
      registers: [registry],
    }),
    revokedSockets: new Counter({
      name: 'subscription_revoked_sockets_total',
      help: 'Sockets closed (4403) because the session they were opened with was revoked',
      registers: [registry],
    }),
    refusedUntrusted: new Counter({
      name: 'subscription_untrusted_operations_total',
      help: 'Subscribe messages refused in trusted-documents mode (not in a manifest)',
      registers: [registry],
    }),
  };
}

export type { DeliveryKind };
