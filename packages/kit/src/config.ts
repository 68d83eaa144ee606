import { createPrivateKey, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { DEV_INTERNAL_TOKEN_PUBLIC_KEY } from './internal-token';
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
  /**
   * Public key(s) (SPKI PEM, Ed25519; several concatenated during a rotation; `\n` escapes
   * allowed) that verify the gateway's internal tokens. Default: the repo's development key
   * pair, refused in production.
   */
  INTERNAL_TOKEN_PUBLIC_KEYS: z.string().default(DEV_INTERNAL_TOKEN_PUBLIC_KEY),
});

export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Validates the environment once against a schema and returns a frozen, typed config.
 * Fails with one readable message listing every bad variable. Internal-token keys must be
 * Ed25519; in production the repo's development key pair is refused (see `internalTokenKeyProblems`).
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.infer<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data as z.infer<S> & Partial<BaseConfig> & { INTERNAL_TOKEN_PRIVATE_KEY?: string };
  const problems = internalTokenKeyProblems(config, env);
  if (problems.length) throw new Error(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return Object.freeze(config);
}

const unescapePem = (pem: string) => pem.replace(/\\n/g, '\n').trim();
const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ format: 'der', type: 'spki' }).toString('base64');
const DEV_PUBLIC_SPKI = spki(createPublicKey(DEV_INTERNAL_TOKEN_PUBLIC_KEY));

/**
 * What is wrong with the internal-token keys of a config: keys that do not parse or are not
 * Ed25519, anywhere; in production also the repo's development key pair (its private key is
 * public knowledge) and a leftover INTERNAL_TOKEN_SECRET (shared secrets are no longer used:
 * any holder could mint ADMIN tokens for every subgraph).
 */
export function internalTokenKeyProblems(
  config: { NODE_ENV?: string; INTERNAL_TOKEN_PUBLIC_KEYS?: string; INTERNAL_TOKEN_PRIVATE_KEY?: string },
  env: NodeJS.ProcessEnv = {},
): string[] {
  const problems: string[] = [];
  const production = config.NODE_ENV === 'production';
  if (config.INTERNAL_TOKEN_PUBLIC_KEYS !== undefined) {
    const blocks =
      unescapePem(config.INTERNAL_TOKEN_PUBLIC_KEYS).match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
    if (blocks.length === 0) problems.push('INTERNAL_TOKEN_PUBLIC_KEYS: holds no PEM public key (-----BEGIN PUBLIC KEY-----)');
    for (const block of blocks) {
      try {
        const key = createPublicKey(block);
        if (key.asymmetricKeyType !== 'ed25519')
          problems.push(`INTERNAL_TOKEN_PUBLIC_KEYS: must be Ed25519 keys (got ${key.asymmetricKeyType})`);
        else if (production && spki(key) === DEV_PUBLIC_SPKI)
          problems.push('INTERNAL_TOKEN_PUBLIC_KEYS: the development key shipped in the repository is refused in production');
      } catch {
        problems.push('INTERNAL_TOKEN_PUBLIC_KEYS: a PEM block does not parse');
      }
    }
  }
  if (config.INTERNAL_TOKEN_PRIVATE_KEY !== undefined) {
    try {
      const key = createPrivateKey(unescapePem(config.INTERNAL_TOKEN_PRIVATE_KEY));
      if (key.asymmetricKeyType !== 'ed25519')
        problems.push(`INTERNAL_TOKEN_PRIVATE_KEY: must be an Ed25519 key (got ${key.asymmetricKeyType})`);
      else if (production && spki(createPublicKey(key)) === DEV_PUBLIC_SPKI)
        problems.push('INTERNAL_TOKEN_PRIVATE_KEY: the development key shipped in the repository is refused in production');
    } catch {
      problems.push('INTERNAL_TOKEN_PRIVATE_KEY: does not parse as a PKCS#8 PEM private key');
    }
  }
  if (production && env.INTERNAL_TOKEN_SECRET) {
    problems.push(
      'INTERNAL_TOKEN_SECRET: no longer used; set INTERNAL_TOKEN_PRIVATE_KEY (gateway) and INTERNAL_TOKEN_PUBLIC_KEYS (subgraphs)',
    );
  }
  return problems;
}

/** A port number from the environment (string) with a default. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
