import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { kafkaConfig } from '@shopgraph/service';

/** Inbound streams a replica can consume: products.v1 (stock records) and inventory.commands.v1 (the saga's reservations). */
export const CONSUMER_NAMES = ['products', 'commands'] as const;
export type ConsumerName = (typeof CONSUMER_NAMES)[number];

/** Every environment variable the inventory subgraph reads, with working local defaults. */
export const inventoryConfigSchema = baseConfigSchema.extend({
  PORT: port(4003),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/inventory'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (inventory), KAFKA_FROM_BEGINNING (true: a brand-new group reads
   * products.v1's history; commands always start at the newest offset) and CONSUMERS
   * (comma-separated subset of `products,commands`; empty consumes nothing: an API-only replica, or a test).
   */
  ...kafkaConfig({ groupId: 'inventory', consumers: CONSUMER_NAMES }),
  /**
   * How long a reservation holds stock before the sweeper releases it: a backstop for orders that
   * never come back (orders commits or releases every reservation itself). It must outlast the
   * order's whole wait: orders' RESERVATION_TIMEOUT_SECONDS + PAYMENT_TIMEOUT_SECONDS (900 + 600)
   * plus any broker outage the saga rides out; a hold released before payment lands would sell
   * units that are no longer reserved.
   */
  RESERVATION_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  /** How often each replica looks for expired reservations. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(5000),
});

export type InventoryConfig = z.infer<typeof inventoryConfigSchema>;

/** Reads and validates the inventory subgraph's configuration from `env`. */
export function loadInventoryConfig(env: NodeJS.ProcessEnv = process.env): InventoryConfig {
  return loadConfig(inventoryConfigSchema, env);
}
