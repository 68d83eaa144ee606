import 'reflect-metadata';
import { defineSubgraph, type ServiceOf } from '@shopgraph/service';
import { ordersConfigSchema, type OrdersConfig } from './config';
import { createLoaders, type OrdersServices } from './context';
import { entities } from './entities';
import { CartEvents } from './events/cart-events';
import { handleProductEvent, type ProductEvent } from './events/product-replica.handler';
import { handleShippingMethodEvent } from './events/shipping-replica.handler';
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
import { GuestStore } from './stores/guest.store';
import { ACCOUNT_EMAIL_EVENTS, handleAccountEmailEvent, type AccountEmailEvent } from './events/account-email.handler';
import { handleEmailVerified } from './events/email-verified.handler';
import { OrderStore } from './stores/order.store';
import { ReturnStore } from './stores/return.store';
import { ReturnService } from './services/return.service';
import { handleReturnReply } from './events/return-reply.handler';
import { handleShipmentEvent, type ShipmentEvent } from './events/shipment-event.handler';
import { ProductReplicaStore } from './stores/product-replica.store';
import type { EventEnvelope } from '@shopgraph/events';

export { loadOrdersConfig, ordersConfigSchema, type OrdersConfig } from './config';
export { decide, type SagaDecision, type SagaInput, type OrderStatus, type CancellationReason } from './domain/order-saga';

/**
 * The orders subgraph: orders in PostgreSQL and carts in Redis (a hung Redis fails cart calls fast
 * with SERVICE_UNAVAILABLE, and readiness), the order saga (commands out through the outbox, the
 * inventory.v1 + payments.v1 replies in), the products.v1 price replica, and the saga sweeper.
 */
export const ordersSubgraph = defineSubgraph({
  name: 'orders',
  config: ordersConfigSchema,
  schema: buildOrdersSchema,
  stores: { postgres: { entities, migrations }, redis: { role: 'required' } },
  topics: ['products', 'inventory', 'payments', 'orders', 'inventoryCommands', 'paymentsCommands', 'users'],
  // outbox_backlog comes from SagaMetrics here.
  outbox: { store: 'postgres', backlogGauge: false },
  wire: ({ dataSource, redis, relay, namespace, config, log, metrics }) => {
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
    const carts = new CartService(new CartStore(redis, namespace.key(config.CART_KEY_PREFIX), config.CART_IDLE_TTL_SECONDS, config.GUEST_CART_TTL_SECONDS), replica, config.DEFAULT_CURRENCY, new CartEvents(dataSource, log));
    const checkoutStore = new CheckoutStore(dataSource);
    const checkout = new CheckoutService(dataSource, checkoutStore, { pricesIncludeTax: config.PRICES_INCLUDE_TAX, defaultCurrency: config.DEFAULT_CURRENCY }, cartSource(carts, replica, config.DEFAULT_CURRENCY));
    // A cancelled order gives its promotion uses back, in the cancelling transaction.
    saga.onCancelled = (manager, orderId) => checkout.releaseFor(manager, orderId);
    carts.codeCheck = (code) => checkout.codeProblem(code);
    const guests = new GuestStore(dataSource);
    const services: OrdersServices = { carts, orders: new OrderService(dataSource, orderStore, replica, carts, saga, sagaMetrics, checkout, guests), checkout, guests };
    // Returns (issue 15): requests, decisions, and the restock/refund commands of received returns.
    services.returns = new ReturnService(dataSource, new ReturnStore(dataSource), log);
    // The saga consumer's silence holds the sweeper off (saga-clock.ts): replies may be stuck in Kafka.
    const sagaActivity = config.CONSUMERS.includes('saga') ? new ConsumerActivity() : undefined;
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
    return { services, saga, sweeper, orderStore, replica, checkoutStore, sagaActivity, guests };
  },
  consumers: ({ services, dataSource, replica, checkoutStore, saga, orderStore, sagaActivity, guests, log }) => {
    // Every event handled is a sign of life of the (one) consumer the saga depends on.
    const product = async (event: ProductEvent) => {
      await handleProductEvent(dataSource, replica, event);
      sagaActivity?.seen();
    };
    const reply = async (event: EventEnvelope) => {
      await handleSagaEvent(dataSource, saga, orderStore, event, log);
      sagaActivity?.seen();
    };
    // The replies to a received return's commands (ReturnRestocked, PaymentRefunded with a returnId).
    const returnReply = async (event: EventEnvelope) => {
      await handleReturnReply(dataSource, services.returns!, event);
      sagaActivity?.seen();
    };
    // Shipments drive the order to SHIPPED and DELIVERED (issue 15).
    const shipment = async (event: ShipmentEvent) => {
      await handleShipmentEvent(dataSource, saga, orderStore, event, log);
      sagaActivity?.seen();
    };
    return {
      // The price replica: a brand-new group reads products.v1's history (README: KAFKA_FROM_BEGINNING).
      products: { topics: ['products'], fromBeginning: true, handlers: { ProductCreated: product, ProductUpdated: product, ProductArchived: product } },
      // Saga replies start at the newest offset.
      saga: {
        topics: ['inventory', 'payments'],
        handlers: { StockReserved: reply, StockReservationFailed: reply, PaymentCaptured: reply, PaymentDeclined: reply, PaymentFailed: reply, PaymentRefunded: returnReply, ReturnRestocked: returnReply },
        onStart: (running) => {
          if (!sagaActivity) return;
          // onFetch hears every fetch across the consumer's restarts (a kafkajs listener would only hear the first consumer's).
          running.onFetch(() => sagaActivity.seen());
          sagaActivity.probe = () => running.health().lastFetchAt;
        },
      },
      // The shipping-method replica, which checkout quotes from: a brand-new group reads shipping.v1's history.
      shipping: {
        topics: ['shipping'],
        fromBeginning: true,
        handlers: {
          ShippingMethodChanged: async (event) => {
            await handleShippingMethodEvent(dataSource, checkoutStore, event);
            sagaActivity?.seen();
          },
          ShipmentCreated: shipment,
          ShipmentStatusChanged: shipment,
        },
      },
      // Account emails (Order.email of a signed-in customer's order): a brand-new group reads users.v1's history.
      users: {
        topics: ['users'],
        fromBeginning: true,
        handlers: {
          ...Object.fromEntries(ACCOUNT_EMAIL_EVENTS.map((type) => [type, (event: AccountEmailEvent) => handleAccountEmailEvent(dataSource, guests, event)])),
          // A verified email links its guest orders to the account (issue 14).
          EmailVerified: async (event: EventEnvelope<'EmailVerified'>) => {
            await handleEmailVerified(dataSource, guests, event);
          },
        },
      },
    };
  },
  tasks: ({ sweeper }) => [sweeper],
  context: (base, { services, orderStore }) => ({ ...base, services, loaders: createLoaders(orderStore, services) }),
});

/** A ready-to-start orders subgraph (`dataSource`, `services`, `saga`, `sweeper`, `handle(event)`, `start()`, `stop()`, …). */
export type OrdersService = ServiceOf<typeof ordersSubgraph>;

/** Opens the orders subgraph (database migrated, Redis and Kafka connected); `start()` starts the relay, sweeper, consumers and server. */
export function createOrdersService(config: OrdersConfig): Promise<OrdersService> {
  return ordersSubgraph.create(config);
}
