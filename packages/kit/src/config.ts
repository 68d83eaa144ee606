import { z } from 'zod';
import { namespaceConfigShape } from './namespace';

/** Settings every service shares; each service extends this with its own. */
const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * Deadlines of every datastore client the kit builds (createRedis, createDataSource,
 * mongoClientOptions, OptionalCache). A call that passes its deadline fails, and a request that
 * needed it gets SERVICE_UNAVAILABLE: a hung store costs a request at most this long. The
 * defaults stay under the gateway's subgraph deadline (SUBGRAPH_TIMEOUT_MS, 3000), so the client
 * hears the subgraph's own SERVICE_UNAVAILABLE rather than the gateway giving up on it.
 */
export const datastoreConfigShape = {
  /** Redis: TCP connect of a (re)connection. */
  REDIS_CONNECT_TIMEOUT_MS: ms(1000),
  /** Redis: one command on the request path (carts, login attempts). */
  REDIS_COMMAND_TIMEOUT_MS: ms(250),
  /** Redis: a connection that has sent a command and heard nothing for this long is dropped and reopened. */
  REDIS_SOCKET_TIMEOUT_MS: ms(3000),
  /** A cache read (OptionalCache); past it the read goes to the store. */
  CACHE_TIMEOUT_MS: ms(100),
  /** After a cache timeout or error the cache is skipped this long, then probed with one read. */
  CACHE_COOLDOWN_MS: ms(5000),
  /** PostgreSQL: opening a connection or waiting for a pooled one. */
  PG_CONNECT_TIMEOUT_MS: ms(1000),
  /** PostgreSQL: one statement (server-side statement_timeout; the client gives up 500 ms later). */
  PG_STATEMENT_TIMEOUT_MS: ms(2000),
  /** PostgreSQL: idle pooled connections are closed after this long. */
  PG_IDLE_TIMEOUT_MS: ms(30000),
  /** MongoDB: TCP connect and handshake of a connection (and of the monitor's heartbeats). */
  MONGO_CONNECT_TIMEOUT_MS: ms(2000),
  /** MongoDB: how long an operation waits for a usable server. */
  MONGO_SERVER_SELECTION_TIMEOUT_MS: ms(1500),
  /** MongoDB: one operation's reply (socket read); past it the connection is closed. */
  MONGO_SOCKET_TIMEOUT_MS: ms(2000),
};

/** The datastore deadlines as a service's config carries them. */
export type DatastoreConfig = { [K in keyof typeof datastoreConfigShape]: number };

export const baseConfigSchema = z.object({
  ...datastoreConfigShape,
  ...namespaceConfigShape,
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  /** Shared secret the gateway signs internal tokens with; subgraphs verify it. */
  INTERNAL_TOKEN_SECRET: z.string().min(16).default('shopgraph-dev-internal-token-secret-change-me'),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Validates the environment once against a schema and returns a frozen, typed config.
 * Fails with one readable message listing every bad variable. In production the
 * development default of INTERNAL_TOKEN_SECRET is refused.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data as z.infer<S> & Partial<BaseConfig>;
  if (config.NODE_ENV === 'production' && config.INTERNAL_TOKEN_SECRET === baseConfigSchema.shape.INTERNAL_TOKEN_SECRET.parse(undefined)) {
    throw new Error('Invalid configuration:\n  INTERNAL_TOKEN_SECRET: must be set in production');
  }
  return Object.freeze(config);
}

/** A port number from the environment (string) with a default. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
