import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';
import { brokerList } from '@shopgraph/service';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every environment variable the users subgraph reads, with working local defaults. */
export const usersConfigSchema = baseConfigSchema.extend({
  PORT: port(4001),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/users'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  ACCESS_TOKEN_TTL_SECONDS: seconds(900),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600),
  /** Failed logins of one account (within the window) before it backs off; then RATE_LIMITED until the backoff passes. */
  LOGIN_RATE_LIMIT: seconds(5),
  /** Window of the failure counters (per account and per client). */
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: seconds(900),
  /** First backoff of an account past LOGIN_RATE_LIMIT failures; doubles per further failure. */
  LOGIN_BACKOFF_BASE_SECONDS: seconds(1),
  /** Longest backoff: an account is never locked for longer, whoever fails its password. */
  LOGIN_BACKOFF_MAX_SECONDS: seconds(30),
  /** Failed logins one client (IP, as signed by the gateway) may make per window, over all accounts. */
  LOGIN_CLIENT_MAX_FAILURES: seconds(30),
  /** Registrations one client may make per REGISTER_RATE_LIMIT_WINDOW_SECONDS. */
  REGISTER_RATE_LIMIT: seconds(20),
  REGISTER_RATE_LIMIT_WINDOW_SECONDS: seconds(3600),
  /** Brokers of users.v1 (account events, published through the PostgreSQL outbox). */
  KAFKA_BROKERS: brokerList(),
  /** Lifetime of a password-reset token (single use). */
  PASSWORD_RESET_TTL_SECONDS: seconds(30 * 60),
  /** Lifetime of an email-verification token (single use). */
  EMAIL_VERIFICATION_TTL_SECONDS: seconds(7 * 24 * 3600),
  /** Reset requests per email address (whether or not it has an account) per window; past it, true and no mail. Also caps verification mails per user. */
  PASSWORD_RESET_RATE_LIMIT_PER_EMAIL: seconds(3),
  /** Reset requests one client may make per window; past it, RATE_LIMITED. */
  PASSWORD_RESET_RATE_LIMIT_PER_CLIENT: seconds(10),
  PASSWORD_RESET_RATE_LIMIT_WINDOW_SECONDS: seconds(3600),
});

export type UsersConfig = z.infer<typeof usersConfigSchema>;

/** Reads and validates the users subgraph's configuration from `env`. */
export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env): UsersConfig {
  return loadConfig(usersConfigSchema, env);
}
