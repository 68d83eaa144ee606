import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { kafkaConfig } from '@shopgraph/service';

/** Inbound streams: orders.v1 (order status changes, carts) and payments.v1 (captures, refunds), one consumer. */
export const CONSUMER_NAMES = ['facts'] as const;

/** Every environment variable the analytics subgraph reads, with working local defaults. */
export const analyticsConfigSchema = baseConfigSchema.extend({
  PORT: port(4009),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/analytics'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (analytics), KAFKA_FROM_BEGINNING (true: a brand-new group reads
   * the whole history of orders.v1 and payments.v1, so a new or rebuilt database has every figure)
   * and CONSUMERS (`facts`; empty: an API-only replica).
   */
  ...kafkaConfig({ groupId: 'analytics', consumers: CONSUMER_NAMES }),
  /** The currency the money figures are kept in (the shop's, orders' DEFAULT_CURRENCY); amounts in any other currency are not added to them. */
  REPORT_CURRENCY: z.string().length(3).default('USD'),
  /** The most buckets one salesReport may return (MINUTE over a month is 43,200): more is BAD_USER_INPUT. */
  REPORT_MAX_BUCKETS: z.coerce.number().int().min(1).max(100_000).default(2000),
});

export type AnalyticsConfig = z.infer<typeof analyticsConfigSchema>;

/** Reads and validates the analytics subgraph's configuration from `env`. */
export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env): AnalyticsConfig {
  return loadConfig(analyticsConfigSchema, env);
}
