import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { kafkaConfig } from '@shopgraph/service';

/** Inbound streams a replica can consume: orders.v1 (verified purchases) and products.v1 (archived products). */
export const CONSUMER_NAMES = ['purchases', 'products'] as const;

/** Every environment variable the reviews subgraph reads, with working local defaults. */
export const reviewsConfigSchema = baseConfigSchema.extend({
  PORT: port(4006),
  MONGO_URL: z.string().default('mongodb://127.0.0.1:27017'),
  MONGO_DB: z.string().min(1).default('reviews'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (reviews; tests set a unique one), KAFKA_FROM_BEGINNING (true: a
   * brand-new group replays orders.v1 and products.v1, the histories reviews keeps; false starts
   * at the end) and CONSUMERS (comma-separated subset of `purchases,products`; empty consumes nothing).
   */
  ...kafkaConfig({ groupId: 'reviews', consumers: CONSUMER_NAMES }),
  /** Safety-net poll of the outbox relay; writes wake it at once. */
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
});

export type ReviewsConfig = z.infer<typeof reviewsConfigSchema>;

/** Reads and validates the reviews subgraph's configuration from `env`. */
export function loadReviewsConfig(env: NodeJS.ProcessEnv = process.env): ReviewsConfig {
  return loadConfig(reviewsConfigSchema, env);
}
