import { z } from 'zod';
import { baseConfigSchema, loadConfig, port } from '@shopgraph/kit';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** Every environment variable the users subgraph reads, with working local defaults. */
export const usersConfigSchema = baseConfigSchema.extend({
  PORT: port(4001),
  DATABASE_URL: z.string().url().default('postgres://shopgraph:shopgraph@127.0.0.1:5432/users'),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  ACCESS_TOKEN_TTL_SECONDS: seconds(900),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 24 * 3600),
  /** Login attempts allowed per email within the window; the next one is RATE_LIMITED. */
  LOGIN_RATE_LIMIT: seconds(10),
  LOGIN_RATE_LIMIT_WINDOW_SECONDS: seconds(300),
});

export type UsersConfig = z.infer<typeof usersConfigSchema>;

/** Reads and validates the users subgraph's configuration from `env`. */
export function loadUsersConfig(env: NodeJS.ProcessEnv = process.env): UsersConfig {
  return loadConfig(usersConfigSchema, env);
}
