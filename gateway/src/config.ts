import path from 'node:path';
import { z } from 'zod';
import { baseConfigSchema, DEV_INTERNAL_TOKEN_PRIVATE_KEY, loadConfig, port } from '@shopgraph/kit';

// The gateway signs internal tokens and never verifies them: it holds no INTERNAL_TOKEN_PUBLIC_KEYS.
export const gatewayConfigSchema = baseConfigSchema.omit({ INTERNAL_TOKEN_PUBLIC_KEYS: true }).extend({
  PORT: port(4000),
  /**
   * Ed25519 private key (PKCS#8 PEM, `\n` escapes allowed) the gateway signs internal tokens with;
   * only the gateway holds it. Default: the repo's development key, refused in production.
   */
  INTERNAL_TOKEN_PRIVATE_KEY: z.string().default(DEV_INTERNAL_TOKEN_PRIVATE_KEY),
  /** Composed supergraph SDL; reloaded when the file changes outside production. */
  SUPERGRAPH_PATH: z.string().default(path.resolve(__dirname, '../../schema/supergraph.graphql')),
  /** Where the users subgraph publishes the public keys of access tokens. */
  JWKS_URL: z.string().url().default('http://127.0.0.1:4001/.well-known/jwks.json'),
  ACCESS_TOKEN_ISSUER: z.string().default('shopgraph-users'),
  ACCESS_TOKEN_AUDIENCE: z.string().default('shopgraph'),
  /** Deepest selection a client operation may have (fragments expanded). */
  MAX_QUERY_DEPTH: z.coerce.number().int().positive().default(12),
  /** Aliased fields one operation may have. */
  MAX_QUERY_ALIASES: z.coerce.number().int().nonnegative().default(30),
  /** Root fields one operation may select (aliases included). */
  MAX_QUERY_ROOT_FIELDS: z.coerce.number().int().positive().default(20),
  /** Lexical tokens one document may have (parsing stops beyond). */
  MAX_QUERY_TOKENS: z.coerce.number().int().positive().default(3000),
  /** Directive uses one operation may have. */
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().nonnegative().default(50),
  /** Estimated cost one operation may have (objects cost 1, a list its `first` times its selection). */
  MAX_QUERY_COST: z.coerce.number().int().positive().default(5000),
  /** Cost model: items assumed for a list without `first`/`last`. */
  COST_ASSUMED_LIST_SIZE: z.coerce.number().int().nonnegative().default(10),
  /** Cost model: items assumed for a `first`/`last` whose value is unknown. */
  COST_MAX_LIST_SIZE: z.coerce.number().int().nonnegative().default(100),
  /** Cost model: added per root mutation field. */
  COST_MUTATION: z.coerce.number().int().nonnegative().default(10),
  /** Redis shared by every gateway replica (rate limits). */
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Redis command timeout; past it a rate-limit check fails open. */
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(100),
  /** How long the gateway reuses an access-token revocation answer from Redis (ms): logout and role changes take effect within it. */
  REVOCATION_CACHE_MS: z.coerce.number().int().nonnegative().max(2000).default(1000),
  /** Redis unavailable: `open` accepts access tokens unchecked (they still expire), `closed` answers SERVICE_UNAVAILABLE. */
  REVOCATION_FAIL_MODE: z.enum(['open', 'closed']).default('open'),
  /** How often open websockets are re-checked against the revocation list (ms, one timer for all): a revoked session's sockets close (4403) within it. */
  REVOCATION_SOCKET_CHECK_MS: z.coerce.number().int().min(100).max(60000).default(2000),
  /** Automatic persisted queries (hash instead of text), cached in REDIS_URL so every replica shares them; `false` turns APQ off. */
  APQ_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** How long a registered APQ document is kept (seconds). */
  APQ_TTL_SECONDS: z.coerce.number().int().positive().default(86400),
  /** `enforce`: only operations of TRUSTED_DOCUMENTS_PATHS run (HTTP and websocket); `off` (default): any operation within the limits. */
  TRUSTED_DOCUMENTS: z.enum(['off', 'enforce']).default('off'),
  /** Comma-separated Apollo persisted-query manifests (the shipped one plus any an operator registers). */
  TRUSTED_DOCUMENTS_PATHS: z.string().default(path.resolve(__dirname, '../trusted-documents.json')),
  /** `false` turns rate limiting off. */
  RATE_LIMIT_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Key prefix of the rate-limit buckets in Redis (replicas sharing it share budgets). */
  RATE_LIMIT_KEY_PREFIX: z.string().default('gateway:rl:'),
  /** Per client (user id when signed in, else IP): bucket size in request units. */
  RATE_LIMIT_CLIENT_BURST: z.coerce.number().positive().default(1000),
  /** Per client: units refilled per second. */
  RATE_LIMIT_CLIENT_PER_SECOND: z.coerce.number().positive().default(100),
  /** All clients together (every replica): bucket size in request units. */
  RATE_LIMIT_GLOBAL_BURST: z.coerce.number().positive().default(20000),
  /** All clients together: units refilled per second. */
  RATE_LIMIT_GLOBAL_PER_SECOND: z.coerce.number().positive().default(5000),
  /** Units per root mutation field, `field=units` comma-separated; other operations cost 1 per request. */
  RATE_LIMIT_COSTS: z.string().default('login=10,register=10,requestPasswordReset=10,placeOrder=5'),
  /** Per-operation budgets per client: root mutation field=count/seconds (aliases each count; more than the count in one request is refused outright). */
  RATE_LIMIT_FIELD_BUDGETS: z.string().default('login=10/60,register=10/600,requestPasswordReset=5/300'),
  /** Port of /metrics and /health/* for Prometheus and the kubelet (not the public port); default 9400, or a free port when PORT is 0. */
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Distinct operation names labelling metrics; later ones count as "other". */
  METRICS_MAX_OPERATION_NAMES: z.coerce.number().int().positive().default(50),
  /** Websockets one client (user id, else IP) may hold open on one gateway instance. */
  SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT: z.coerce.number().int().positive().default(10),
  /** Websockets without a signed-in user one gateway instance holds at most. */
  SUBSCRIPTION_MAX_ANONYMOUS_CONNECTIONS: z.coerce.number().int().nonnegative().default(100),
  /** A websocket with no subscription for this long is closed (4000). */
  SUBSCRIPTION_IDLE_TIMEOUT_MS: z.coerce.number().int().positive().default(60000),
  /** Reverse proxies in front of the gateway whose X-Forwarded-For is trusted (0 = use the socket address). */
  TRUSTED_PROXY_COUNT: z.coerce.number().int().nonnegative().default(0),
  /** Comma-separated browser origins allowed by CORS; empty allows any origin (development). */
  CORS_ORIGINS: z.string().default(''),
  /** Kafka brokers (comma-separated) for the orders.v1 feed of live order tracking. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((b) => b.trim()).filter(Boolean)),
  /** Consumer group of this instance's orders.v1 feed; empty = a fresh `gateway-<random>` per start (each replica must see every event). */
  KAFKA_GROUP_ID: z.string().default(''),
  /** Subscriptions one websocket may hold at once. */
  SUBSCRIPTION_MAX_PER_CONNECTION: z.coerce.number().int().positive().default(20),
  /** Undelivered messages one websocket may have queued before it is closed as a slow consumer (4008). */
  SUBSCRIPTION_MAX_PENDING_MESSAGES: z.coerce.number().int().positive().default(200),
  /** Bytes one websocket may have buffered unsent before it is closed as a slow consumer (4008). */
  SUBSCRIPTION_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  /** Websocket ping interval; a client silent for a whole interval after a ping is dropped. */
  SUBSCRIPTION_KEEPALIVE_MS: z.coerce.number().int().positive().default(12000),
  /** Queries the subscriptions may run through the gateway at once (one per subscriber and event). */
  SUBSCRIPTION_QUERY_CONCURRENCY: z.coerce.number().int().positive().default(64),
  /** Deadline of one gateway -> subgraph call (ms); `<NAME>_SUBGRAPH_TIMEOUT_MS` overrides it for one subgraph. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** `true`: identical subgraph queries in flight at once (same subgraph, operation, variables and viewer/client/session) share one call; never mutations. */
  SUBGRAPH_DEDUPLICATION: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  /** Consecutive failed or timed-out calls to one subgraph that open its circuit breaker. */
  SUBGRAPH_BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
  /** How long an open circuit answers SUBGRAPH_UNAVAILABLE at once before one probe call goes through (ms). */
  SUBGRAPH_BREAKER_RESET_MS: z.coerce.number().int().nonnegative().default(5000),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema> & {
  /** Per-subgraph URL overrides (name -> URL); from env `<NAME>_SUBGRAPH_URL`, or set by tests. */
  subgraphUrls: Record<string, string>;
  /** Per-subgraph deadline overrides (name -> ms); from env `<NAME>_SUBGRAPH_TIMEOUT_MS`. */
  subgraphTimeouts: Record<string, number>;
};

/** Reads and validates the gateway's environment once. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const config = loadConfig(gatewayConfigSchema, env);
  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z]+)_SUBGRAPH_URL$/.exec(key);
    if (match && value) subgraphUrls[match[1].toLowerCase()] = value;
  }
  const subgraphTimeouts: Record<string, number> = {};
  for (const [key, value] of Object.entries(env)) {
    const match = /^([A-Z]+)_SUBGRAPH_TIMEOUT_MS$/.exec(key);
    if (!match || !value) continue;
    const ms = Number(value);
    if (!Number.isInteger(ms) || ms <= 0) throw new Error(`Invalid configuration: ${key} must be a positive whole number of milliseconds`);
    subgraphTimeouts[match[1].toLowerCase()] = ms;
  }
  return { ...config, subgraphUrls, subgraphTimeouts };
}
