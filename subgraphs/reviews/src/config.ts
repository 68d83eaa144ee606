import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Every environment variable the reviews subgraph reads, with working local defaults. */
export const reviewsConfigSchema = baseConfigSchema.extend({
  PORT: port(4006),
  MONGO_URL: z.string().default('mongodb://127.0.0.1:27017'),
  MONGO_DB: z.string().min(1).default('reviews'),
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((s) => s.split(',').map((b) => b.trim()).filter(Boolean)),
  /** Consumer group of the orders.v1 / products.v1 consumer; tests set a unique one. */
  KAFKA_GROUP_ID: z.string().min(1).default('reviews'),
  /** Where a brand-new consumer group starts: true replays the topics' history (production), false starts at the end. */
  KAFKA_FROM_BEGINNING: flag(true),
  /** Safety-net poll of the outbox relay; writes wake it at once. */
  OUTBOX_POLL_MS: z.coerce.number().int().positive().default(1000),
});

export type ReviewsConfig = z.infer<typeof reviewsConfigSchema>;

/** Reads and validates the reviews subgraph's configuration from `env`. */
export function loadReviewsConfig(env: NodeJS.ProcessEnv = process.env): ReviewsConfig {
  return loadConfig(reviewsConfigSchema, env);
}
