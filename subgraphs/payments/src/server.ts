import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Admin, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { createDataSource, createLogger, createMetricsRegistry, createSubgraphServer, namespaceOf, openDatabase, postgresDeadlines } from '@shopgraph/kit';
import { createKafka, createProducer, ensureTopics, PostgresOutboxRelay, startConsumer, topicsIn, type EventEnvelope, type RunningConsumer } from '@shopgraph/events';
import type { PaymentsConfig } from './config';
import { createLoaders, type PaymentsContext, type PaymentsServices } from './context';
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

/** A ready-to-start payments subgraph. */
export interface PaymentsService {
  /** Starts the outbox relay, the recovery loop and the command consumer, then listens (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server and the consumer, lets started provider calls finish, then closes Kafka and PostgreSQL. */
  stop(): Promise<void>;
  dataSource: DataSource;
  services: PaymentsServices;
  recovery: PaymentRecovery;
  provider: PaymentProvider;
  metrics: Registry;
}


/**
 * Wires the payments subgraph: opens its database (applying migrations), connects Kafka (topics,
 * producer, outbox relay, payments.commands.v1 consumer), the provider adapter with its circuit
 * breaker, the recovery loop, and the server with GraphQL, health and metrics.
 */
export async function createPaymentsService(config: PaymentsConfig, options: PaymentsServiceOptions = {}): Promise<PaymentsService> {
  const log = createLogger('payments', config.LOG_LEVEL);
  // Topics and the consumer group are named in the run's namespace (SG_NAMESPACE; empty = live).
  const ns = namespaceOf(config, { postgres: [config.DATABASE_URL] });
  const Topics = topicsIn(ns);
  const metrics = createMetricsRegistry('payments');
  const dataSource = createDataSource({ url: config.DATABASE_URL, entities, migrations, metrics, deadlines: postgresDeadlines(config) });
  await openDatabase(dataSource, config.DATABASE_URL, log);

  const kafka = createKafka(config.KAFKA_BROKERS, 'payments', log);
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  try {
    await ensureTopics(kafka, [Topics.payments, Topics.paymentsCommands]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();
  } catch (error) {
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect(), dataSource.destroy()]);
    throw error;
  }
  const kafkaAdmin = admin;
  const kafkaProducer = producer;

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
  const paymentMetrics = createPaymentMetrics(metrics);
  const store = new PaymentStore(dataSource);
  const services: PaymentsServices = {
    payments: new PaymentService(dataSource, store, provider, config.PENDING_LEASE_MS, paymentMetrics, log),
  };
  const recovery = new PaymentRecovery(store, services.payments, config.RECOVERY_INTERVAL_MS, config.PENDING_LEASE_MS, paymentMetrics, log);
  const relay = new PostgresOutboxRelay({ dataSource, url: config.DATABASE_URL, producer: kafkaProducer, namespace: ns, log, metrics });

  const accept = options.acceptCommand ?? (() => true);
  const handle = async (command: EventEnvelope) => {
    if (accept(command)) await handlePaymentCommand(services.payments, command);
  };
  let consumer: RunningConsumer | null = null;

  const server = createSubgraphServer<PaymentsContext>({
    name: 'payments',
    schema: await buildPaymentsSchema(),
    config,
    log,
    metrics,
    readiness: { postgres: () => dataSource.query('SELECT 1'), kafka: () => kafkaAdmin.describeCluster(), consumer: async () => consumer?.check() },
    health: { liveness: { consumer: async () => consumer?.live() }, degraded: { outboxListener: () => relay.checkListening() } },
    context: (base) => ({ ...base, services, loaders: createLoaders(store) }),
  });

  let stopped = false;
  const stopAll = async () => {
    if (stopped) return;
    stopped = true;
    await server.stop();
    await consumer?.stop();
    await recovery.stop();
    await services.payments.drain();
    await relay.stop();
    await provider.close();
    await Promise.allSettled([kafkaProducer.disconnect(), kafkaAdmin.disconnect()]);
    await dataSource.destroy();
  };

  return {
    dataSource,
    services,
    recovery,
    provider,
    metrics,
    async start() {
      try {
        await relay.start();
        recovery.start();
        if (config.CONSUME_COMMANDS) {
          const started = await startConsumer({
            kafka,
            groupId: ns.group(config.KAFKA_GROUP_ID),
            topics: [Topics.paymentsCommands],
            log,
            handle,
            // Commands are never replayed into a brand-new group: an old AuthorizePayment is a charge (README: KAFKA_FROM_BEGINNING).
            fromBeginning: false,
            metrics,
          });
          consumer = started;
        }
        return await server.start();
      } catch (error) {
        await stopAll().catch(() => undefined);
        throw error;
      }
    },
    stop: stopAll,
  };
}
