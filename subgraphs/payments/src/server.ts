import 'reflect-metadata';
import type { EventEnvelope } from '@shopgraph/events';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { paymentsConfigSchema, type PaymentsConfig } from './config';
import { createLoaders, type PaymentsServices } from './context';
import { entities } from './entities';
import { handlePaymentCommand } from './events/payment-command.handler';
import { migrations } from './migrations';
import { HttpPaymentProvider } from './provider/http-payment.provider';
import type { PaymentProvider } from './provider/payment.provider';
import { createProviderMetrics } from './provider/provider.metrics';
import { buildPaymentsSchema } from './schema';
import { createPaymentMetrics } from './services/payment.metrics';
import { PaymentRecovery } from './services/payment.recovery';
import { PaymentService } from './services/payment.service';
import { PaymentStore } from './stores/payment.store';

export { loadPaymentsConfig, paymentsConfigSchema, type PaymentsConfig } from './config';
export { HttpPaymentProvider } from './provider/http-payment.provider';
export type { PaymentProvider, ChargeOutcome, ChargeLookup, RefundOutcome } from './provider/payment.provider';
export { PaymentService } from './services/payment.service';

/** Optional wiring for tests and embedders. */
export interface PaymentsServiceOptions {
  /**
   * Which commands of payments.commands.v1 this instance acts on (default: all). Tests that share
   * the topic with other test files pass a filter on their own order ids; skipped commands are
   * committed untouched.
   */
  acceptCommand?: (command: EventEnvelope) => boolean;
  /** A provider other than the HTTP adapter for PROVIDER_URL. */
  provider?: PaymentProvider;
}

/**
 * The payments subgraph: payments and refunds in PostgreSQL, the provider adapter (timeout,
 * retries, circuit breaker), payments.commands.v1 in, replies out through the outbox, and the
 * recovery loop. On stop, after the server and the consumer: the recovery loop, then the provider
 * calls already started finish (drain), then the relay, the provider, Kafka and PostgreSQL.
 */
export function paymentsSubgraph(options: PaymentsServiceOptions = {}) {
  return defineSubgraph({
    name: 'payments',
    config: paymentsConfigSchema,
    schema: buildPaymentsSchema,
    stores: { postgres: { entities, migrations } },
    topics: ['payments', 'paymentsCommands'],
    outbox: { store: 'postgres' },
    wire: ({ dataSource, config, log, metrics, onStop }) => {
      const provider =
        options.provider ??
        new HttpPaymentProvider({
          baseUrl: config.PROVIDER_URL,
          timeoutMs: config.PROVIDER_TIMEOUT_MS,
          retries: config.PROVIDER_RETRIES,
          backoffBaseMs: config.PROVIDER_BACKOFF_BASE_MS,
          backoffMaxMs: config.PROVIDER_BACKOFF_MAX_MS,
          breaker: {
            errorThresholdPercent: config.BREAKER_ERROR_THRESHOLD_PERCENT,
            volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
            windowMs: config.BREAKER_WINDOW_MS,
            resetMs: config.BREAKER_RESET_MS,
          },
          metrics: createProviderMetrics(metrics),
          log,
        });
      onStop('payment provider', () => provider.close());
      const paymentMetrics = createPaymentMetrics(metrics);
      const store = new PaymentStore(dataSource);
      const services: PaymentsServices = {
        payments: new PaymentService(dataSource, store, provider, config.PENDING_LEASE_MS, paymentMetrics, log, config.UNKNOWN_OUTCOME_SETTLE_MS),
      };
      const recovery = new PaymentRecovery(store, services.payments, config.RECOVERY_INTERVAL_MS, config.PENDING_LEASE_MS, paymentMetrics, log);
      return { services, store, recovery, provider };
    },
    consumers: ({ services }) => {
      const accept = options.acceptCommand ?? (() => true);
      const command = async (event: EventEnvelope) => {
        if (accept(event)) await handlePaymentCommand(services.payments, event);
      };
      // Commands are never replayed into a brand-new group: an old AuthorizePayment is a charge (README: KAFKA_FROM_BEGINNING).
      return { commands: { topics: ['paymentsCommands'], handlers: { AuthorizePayment: command, RefundPayment: command } } };
    },
    // Stopped in reverse: the recovery loop first, then the provider calls already started finish.
    tasks: ({ services, recovery }) => [{ start: () => undefined, stop: () => services.payments.drain() }, recovery],
    context: (base, { services, store }) => ({ ...base, services, loaders: createLoaders(store) }),
  });
}

/** A ready-to-start payments subgraph (`dataSource`, `services`, `recovery`, `provider`, `metrics`, `start()`, `stop()`, …). */
export type PaymentsService = ServiceOf<ReturnType<typeof paymentsSubgraph>>;

/** Opens the payments subgraph (database migrated, Kafka connected); `start()` starts the relay, the recovery loop, the consumer and the server. */
export function createPaymentsService(config: PaymentsConfig, options: PaymentsServiceOptions = {}): Promise<PaymentsService> {
  return paymentsSubgraph(options).create(config);
}
