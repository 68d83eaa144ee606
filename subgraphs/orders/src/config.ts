import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { flag, kafkaConfig } from '@shopgraph/service';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Inbound streams a replica can consume: products.v1 (the price replica), inventory.v1 + payments.v1 (the saga), shipping.v1 (the shipping-method replica), users.v1 (account emails for Order.email). */
export const CONSUMER_NAMES = ['products', 'saga', 'shipping', 'users'] as const;
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

/** Every environment variable the orders subgraph reads, with working local defaults. */
export const ordersConfigSchema = baseConfigSchema.extend({
  PORT: port(4004),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/orders'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (orders), KAFKA_FROM_BEGINNING (true: a brand-new group reads the
   * history of the replicas' topics; saga replies always start at the newest offset) and CONSUMERS
   * (comma-separated subset of `products,saga,shipping,users`; empty consumes nothing: an API-only replica, or a test).
   */
  ...kafkaConfig({ groupId: 'orders', consumers: CONSUMER_NAMES }),
  /** Prefix of the Redis cart keys (`<prefix>:<userId>`); tests use their own so they never collide. */
  CART_KEY_PREFIX: z.string().min(1).default('orders:cart'),
  /** A cart nobody wrote to for this long is forgotten; every write starts the clock again. */
  CART_IDLE_TTL_SECONDS: seconds(7 * 24 * 3600),
  /** A guest cart (`<prefix>:guest:<cartId>`) nobody wrote to for this long is forgotten (default 30 days). */
  GUEST_CART_TTL_SECONDS: seconds(30 * 24 * 3600),
  /** Shop setting: catalog prices already contain tax (the tax lines report what they contain; nothing is added). Default: tax is added on top. */
  PRICES_INCLUDE_TAX: flag(false),
  /** Currency of an empty cart's zero subtotal. */
  DEFAULT_CURRENCY: z.string().length(3).default('USD'),
  /**
   * How long a PENDING order waits for inventory's answer, counted from when ReserveStock left the
   * outbox (not from placeOrder), before the sweeper cancels it TIMED_OUT. Inventory answers in
   * milliseconds; this only runs out when inventory is down, so it is sized like a stock hold.
   */
  RESERVATION_TIMEOUT_SECONDS: seconds(900),
  /**
   * How long an AWAITING_PAYMENT order waits for payments' answer, counted from when
   * AuthorizePayment left the outbox. Payments answers PaymentFailed itself after its provider
   * timeout, retries and reconciliation; this is the backstop for payments being down.
   * Inventory's RESERVATION_TTL_SECONDS must be longer than this plus RESERVATION_TIMEOUT_SECONDS.
   */
  PAYMENT_TIMEOUT_SECONDS: seconds(600),
  /** The saga consumer not fetching, or an outbox row unsent, for this long is broker trouble: no step times out meanwhile. */
  SAGA_BROKER_STALL_SECONDS: seconds(10),
  /** After broker trouble ends, no step times out for this long either (the replies queued meanwhile come first). */
  SAGA_BROKER_GRACE_SECONDS: seconds(60),
  /** How often each replica looks for orders past their deadline. */
  SAGA_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
});

export type OrdersConfig = z.infer<typeof ordersConfigSchema>;

/** Reads and validates the orders subgraph's configuration from `env`. */
export function loadOrdersConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  return loadConfig(ordersConfigSchema, env);
}
