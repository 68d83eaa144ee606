import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { brokerList } from '@shopgraph/service';

/** Every environment variable the products subgraph reads, with working local defaults. */
export const productsConfigSchema = baseConfigSchema.extend({
  PORT: port(4002),
  MONGO_URL: z.string().default('mongodb://127.0.0.1:27017'),
  MONGO_DB: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/).default('products'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Comma-separated Kafka brokers (products only publishes: no consumer group). */
  KAFKA_BROKERS: brokerList(),
  /** How long a product stays in the Redis read cache; writes invalidate it sooner. */
  PRODUCT_CACHE_TTL_SECONDS: z.coerce.number().int().positive().default(300),
  /**
   * How long a listing read (a page, a count, search candidates) stays in the Redis read cache; this
   * service's writes make it unseen at once, writes that bypass it are seen within this. 0: off.
   */
  CATALOG_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).default(30),
  /** Safety-net poll of the outbox relay; every write also wakes it at once. */
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().positive().default(1000),
});

export type ProductsConfig = z.infer<typeof productsConfigSchema>;

/** Reads and validates the products subgraph's configuration from `env`. */
export function loadProductsConfig(env: NodeJS.ProcessEnv = process.env): ProductsConfig {
  return loadConfig(productsConfigSchema, env);
}
