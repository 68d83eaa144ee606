import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { kafkaConfig } from '@shopgraph/service';

/** Inbound streams: orders.v1 (the replica of orders' lines and status that shipments are checked against). */
export const CONSUMER_NAMES = ['orders'] as const;

/** Every environment variable the shipping subgraph reads, with working local defaults. */
export const shippingConfigSchema = baseConfigSchema.extend({
  PORT: port(4008),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/shipping'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (shipping), KAFKA_FROM_BEGINNING (true: a brand-new group reads
   * orders.v1's history, so a new or rebuilt database knows every order's lines) and CONSUMERS
   * (`orders`; empty: an API-only replica).
   */
  ...kafkaConfig({ groupId: 'shipping', consumers: CONSUMER_NAMES }),
  /** The currency of a shipping method created without one (the shop's, orders' DEFAULT_CURRENCY). */
  DEFAULT_CURRENCY: z.string().length(3).default('USD'),
});

export type ShippingConfig = z.infer<typeof shippingConfigSchema>;

/** Reads and validates the shipping subgraph's configuration from `env`. */
export function loadShippingConfig(env: NodeJS.ProcessEnv = process.env): ShippingConfig {
  return loadConfig(shippingConfigSchema, env);
}
