import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { kafkaConfig } from '@shopgraph/service';

const millis = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every environment variable the payments subgraph reads, with working local defaults. */
export const paymentsConfigSchema = baseConfigSchema.extend({
  PORT: port(4005),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/payments'),
  /**
   * KAFKA_BROKERS, KAFKA_GROUP_ID (payments; the group of payments.commands.v1, in the SG_NAMESPACE
   * namespace) and CONSUMERS (`commands`, the default; empty: an API-only replica that consumes no
   * payments.commands.v1). A brand-new group starts at the newest command: commands are never
   * replayed, so KAFKA_FROM_BEGINNING has no effect here.
   */
  ...kafkaConfig({ groupId: 'payments', consumers: ['commands'], fromBeginning: false }),
  /** Base URL of the payment provider (the sandbox by default). */
  PROVIDER_URL: z.string().url().default('http://127.0.0.1:4010'),
  /** How long one provider call may take before it counts as a timeout (outcome unknown). */
  PROVIDER_TIMEOUT_MS: millis(2000),
  /** Further attempts after the first for 5xx answers, timeouts and network errors. */
  PROVIDER_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Backoff before retry n is a random delay in [0, min(MAX, BASE * 2^n)] (full jitter). */
  PROVIDER_BACKOFF_BASE_MS: millis(100),
  PROVIDER_BACKOFF_MAX_MS: millis(2000),
  /** The breaker opens when more than this percentage of calls in the window failed... */
  BREAKER_ERROR_THRESHOLD_PERCENT: z.coerce.number().int().min(1).max(100).default(50),
  /** ...and at least this many calls were made in it. */
  BREAKER_VOLUME_THRESHOLD: z.coerce.number().int().min(1).default(5),
  /** The rolling window the breaker counts calls in. */
  BREAKER_WINDOW_MS: millis(10000),
  /** How long an open breaker fails fast before letting one probe call through (half-open). */
  BREAKER_RESET_MS: millis(10000),
  /** How often the recovery loop looks for payments and refunds a crashed process left unfinished. */
  RECOVERY_INTERVAL_MS: millis(2000),
  /**
   * How long a process owns a PENDING payment or refund it is working on; after that the recovery
   * loop of any replica resumes it. Must exceed the longest provider exchange (all retries).
   */
  PENDING_LEASE_MS: millis(20000),
  /**
   * How long after a provider call with an unknown outcome (a timeout, a cut connection), and for
   * how long the provider must have been answering "no charge", before that answer is believed.
   * Until then the recovery loop asks again each lease: a request the provider still held (queued
   * behind a stall, retried by a proxy) can make the charge after a first lookup said there was none.
   */
  UNKNOWN_OUTCOME_SETTLE_MS: millis(300000),
});

export type PaymentsConfig = z.infer<typeof paymentsConfigSchema>;

/** Reads and validates the payments subgraph's configuration from `env`. */
export function loadPaymentsConfig(env: NodeJS.ProcessEnv = process.env): PaymentsConfig {
  return loadConfig(paymentsConfigSchema, env);
}
