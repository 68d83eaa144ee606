import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import type { Admin, Producer } from 'kafkajs';
import { createDataSource, createLogger, createMetricsRegistry, createRedis, createSubgraphServer, namespaceOf, openDatabase, postgresDeadlines, redisDeadlines } from '@shopgraph/kit';
import { createKafka, createProducer, ensureTopics, PostgresOutboxRelay, startConsumer, topicsIn, type EventEnvelope, type RunningConsumer } from '@shopgraph/events';
import type { OrdersConfig } from './config';
import { createLoaders, type OrdersContext, type OrdersServices } from './context';
import { entities } from './entities';
import { CartEvents } from './events/cart-events';
import { handleProductEvent, isProductEvent } from './events/product-replica.handler';
import { handleShippingMethodEvent, isShippingMethodEvent } from './events/shipping-replica.handler';
import { cartSource, CheckoutService } from './services/checkout.service';
import { CheckoutStore } from './stores/checkout.store';
import { handleSagaEvent } from './events/saga-event.handler';
import { migrations } from './migrations';
import { buildOrdersSchema } from './schema';
import { CartService } from './services/cart.service';
import { OrderService } from './services/order.service';
import { SagaMetrics } from './services/saga.metrics';
import { SagaService } from './services/saga.service';
import { ConsumerActivity, SagaSweeper } from './services/saga.sweeper';
import { CartStore } from './stores/cart.store';
import { OrderStore } from './stores/order.store';
import { ProductReplicaStore } from './stores/product-replica.store';

export { loadOrdersConfig, ordersConfigSchema, type OrdersConfig } from './config';
export { decide, type SagaDecision, type SagaInput, type OrderStatus, type CancellationReason } from './services/order-saga';

/** A ready-to-start orders subgraph. */
export interface OrdersService {
  /** Starts the outbox relay, the consumers and the saga sweeper, then listens (PORT 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops the HTTP server, consumers, sweeper and relay, then closes Kafka, Redis and PostgreSQL. Idempotent. */
  stop(): Promise<void>;
  dataSource: DataSource;
  services: OrdersServices;
  saga: SagaService;
  sweeper: SagaSweeper;
  /** Feeds one event to the handlers as the consumers would (for tests and tools). */
  handle(event: EventEnvelope): Promise<void>;
}


/**
 * Wires the orders subgraph: opens its database (applying migrations) and Redis, connects Kafka
 * (topics, producer, outbox relay, the products.v1 replica consumer and the inventory.v1 +
 * payments.v1 saga consumer), the saga sweeper, and the server with GraphQL, health and metrics.
 */
export async function createOrdersService(config: OrdersConfig): Promise<OrdersService> {
  const log = createLogger('orders', config.LOG_LEVEL);
  // Topics, consumer group and cart keys are named in the run's namespace (SG_NAMESPACE; empty = live).
  const ns = namespaceOf(config, { postgres: [config.DATABASE_URL] });
  const Topics = topicsIn(ns);
  const metrics = createMetricsRegistry('orders');
  const dataSource = createDataSource({ url: config.DATABASE_URL, entities, migrations, metrics, deadlines: postgresDeadlines(config) });
  await openDatabase(dataSource, config.DATABASE_URL, log);

  // Carts live in Redis: a hung Redis fails cart calls fast (SERVICE_UNAVAILABLE) and readiness.
  const redis = createRedis(config.REDIS_URL, { ...redisDeadlines(config), log });
  const kafka = createKafka(config.KAFKA_BROKERS, 'orders', log);
  let producer: Producer | null = null;
  let admin: Admin | null = null;
  try {
    await redis.connect();
    await ensureTopics(kafka, [Topics.products, Topics.inventory, Topics.payments, Topics.orders, Topics.inventoryCommands, Topics.paymentsCommands]);
    producer = await createProducer(kafka);
    admin = kafka.admin();
    await admin.connect();
  } catch (error) {
    redis.disconnect();
    await Promise.allSettled([producer?.disconnect(), admin?.disconnect(), dataSource.destroy()]);
    throw error;
  }
  const kafkaAdmin = admin;
  const kafkaProducer = producer;

  // outbox_backlog comes from SagaMetrics here.
  const relay = new PostgresOutboxRelay({ dataSource, url: config.DATABASE_URL, producer: kafkaProducer, namespace: ns, log, metrics, backlogGauge: false });
  const sagaMetrics = new SagaMetrics(metrics, () => relay.backlog());
  const orderStore = new OrderStore(dataSource);
  const replica = new ProductReplicaStore(dataSource);
  const saga = new SagaService(
    dataSource,
    orderStore,
    { reservationSeconds: config.RESERVATION_TIMEOUT_SECONDS, paymentSeconds: config.PAYMENT_TIMEOUT_SECONDS },
    sagaMetrics,
    log,
  );
  const carts = new CartService(new CartStore(redis, ns.key(config.CART_KEY_PREFIX), config.CART_IDLE_TTL_SECONDS), replica, config.DEFAULT_CURRENCY, new CartEvents(dataSource, log));
  const checkoutStore = new CheckoutStore(dataSource);
  const checkout = new CheckoutService(dataSource, checkoutStore, { pricesIncludeTax: config.PRICES_INCLUDE_TAX, defaultCurrency: config.DEFAULT_CURRENCY }, cartSource(carts, replica, config.DEFAULT_CURRENCY));
  // A cancelled order gives its promotion uses back, in the cancelling transaction.
  saga.onCancelled = (manager, orderId) => checkout.releaseFor(manager, orderId);
  const services: OrdersServices = { carts, orders: new OrderService(dataSource, orderStore, replica, carts, saga, sagaMetrics, checkout), checkout };
  const consumes = new Set(config.CONSUMERS);
  // The saga consumer's silence holds the sweeper off (saga-clock.ts): replies may be stuck in Kafka.
  const sagaActivity = consumes.has('saga') ? new ConsumerActivity() : undefined;
  const sweeper = new SagaSweeper(
    saga,
    orderStore,
    dataSource,
    {
      intervalMs: config.SAGA_SWEEP_INTERVAL_MS,
      hold: { stallSeconds: config.SAGA_BROKER_STALL_SECONDS, graceSeconds: config.SAGA_BROKER_GRACE_SECONDS },
      consumer: sagaActivity,
    },
    log,
  );

  const handle = async (event: EventEnvelope): Promise<void> => {
    if (isProductEvent(event)) await handleProductEvent(dataSource, replica, event);
    else if (isShippingMethodEvent(event)) await handleShippingMethodEvent(dataSource, checkoutStore, event);
    else await handleSagaEvent(dataSource, saga, orderStore, event, log);
    sagaActivity?.seen();
  };
  const topics = [...(consumes.has('products') ? [Topics.products] : []), ...(consumes.has('saga') ? [Topics.inventory, Topics.payments] : []), ...(consumes.has('shipping') ? [Topics.shipping] : [])];
  let consumer: RunningConsumer | null = null;

  const server = createSubgraphServer<OrdersContext>({
    name: 'orders',
    schema: await buildOrdersSchema(),
    config,
    log,
    metrics,
    readiness: {
      postgres: () => dataSource.query('SELECT 1'),
      redis: () => redis.ping(),
      kafka: () => kafkaAdmin.describeCluster(),
      consumer: async () => consumer?.check(),
    },
    health: { liveness: { consumer: async () => consumer?.live() }, degraded: { outboxListener: () => relay.checkListening() } },
    context: (base) => ({ ...base, services, loaders: createLoaders(orderStore, services) }),
  });

  let stopping: Promise<void> | null = null;
  const stopAll = () => {
    stopping ??= (async () => {
      await server.stop();
      await consumer?.stop();
      await sweeper.stop();
      await relay.stop();
      await Promise.allSettled([kafkaProducer.disconnect(), kafkaAdmin.disconnect(), redis.quit()]);
      await dataSource.destroy();
    })();
    return stopping;
  };

  return {
    dataSource,
    services,
    saga,
    sweeper,
    handle,
    async start() {
      try {
        await relay.start();
        sweeper.start();
        if (topics.length > 0) {
          // Only the product replica reads a brand-new group's history; saga replies start at the newest offset (README: KAFKA_FROM_BEGINNING).
          consumer = await startConsumer({ kafka, groupId: ns.group(config.KAFKA_GROUP_ID), topics, log, handle, fromBeginning: config.KAFKA_FROM_BEGINNING ? [Topics.products, Topics.shipping] : false, metrics });
          if (sagaActivity) {
            // onFetch hears every fetch across the consumer's restarts (a kafkajs listener would only hear the first consumer's).
            const running = consumer;
            running.onFetch(() => sagaActivity.seen());
            sagaActivity.probe = () => running.health().lastFetchAt;
          }
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
