import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { readFileSync, watchFile, unwatchFile } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, type SupergraphSdlHook } from '@apollo/gateway';
import { Counter } from 'prom-client';
import {
  createLogger,
  createMetricsRegistry,
  graphqlMetricsPlugin,
  jsonBody,
  jsonFallbacks,
  maskErrors,
  namespaceOf,
  type Logger,
  type Viewer,
} from '@shopgraph/kit';
import { AccessTokenVerifier } from './auth';
import type { GatewayConfig } from './config';
import { createAdminServer, createEdge, mountPublicHealth } from './edge';
import { RevocationList } from './edge/revocation';
import { loadTrustedDocuments, RedisDocumentCache, trustedDocumentsPlugin } from './edge/trusted-documents';
import { createLiveOrderTracking } from './subscriptions';
import { createSubgraphGuardMetrics, SubgraphGuard, type SubgraphAnswer, type SubgraphGuardMetrics } from './subgraph-guard';
import { requestIds, requestLogPlugin } from './request-log';
import { InternalTokenCache } from './internal-tokens';
import { InFlightDeduplicator, type SubgraphCall } from './subgraph-dedup';
import { SubgraphDataSource } from './subgraph-source';

/** What the gateway knows about a request; forwarded to subgraphs as an internal token. */
export interface GatewayContext {
  viewer: Viewer | null;
  requestId: string;
  traceparent?: string;
  /** The client's address (X-Forwarded-For behind TRUSTED_PROXY_COUNT proxies); absent for in-process executions. */
  clientIp?: string;
  /** The access token's session (`sid`): users keeps it signed in when the viewer changes their password. */
  sessionId?: string;
}

/** Supergraph from a file; outside production, a changed file is loaded without a restart. */
function supergraphFromFile(path: string, watch: boolean, log: Logger): SupergraphSdlHook {
  return async ({ update }) => {
    const initial = readFileSync(path, 'utf8');
    let current = initial;
    const reload = () => {
      try {
        const next = readFileSync(path, 'utf8');
        if (next !== current) {
          update(next);
          current = next;
          log.info({ path }, 'supergraph reloaded');
        }
      } catch (error) {
        log.error({ err: error }, 'supergraph reload failed; keeping the previous one');
      }
    };
    if (watch) watchFile(path, { interval: 1000 }, reload);
    // Only this gateway's listener: unwatchFile(path) alone would also end the watch of every other
    // gateway of this process on the same file (tests run several).
    return { supergraphSdl: initial, cleanup: async () => unwatchFile(path, reload) };
  };
}

const adminUrls = new Map<string, string>();

/** The admin base URL (/metrics, /health/*) of a gateway started in this process, by its public GraphQL URL. */
export function gatewayAdminUrl(publicUrl: string): string {
  const url = adminUrls.get(publicUrl);
  if (!url) throw new Error(`no gateway started in this process at ${publicUrl}`);
  return url;
}

export interface Gateway {
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * The public entry point: Apollo Gateway in Apollo Server on express, verifying users' access
 * tokens and calling subgraphs with internal tokens. Sandbox in development; introspection
 * off and errors masked in production. Never listens until `start()`.
 */
export function createGateway(config: GatewayConfig, log: Logger = createLogger('gateway', config.LOG_LEVEL)): Gateway {
  const production = config.NODE_ENV === 'production';
  const app = express();
  app.disable('x-powered-by');
  // req.ip: the address the nearest trusted proxy saw (X-Forwarded-For), or the socket's.
  if (config.TRUSTED_PROXY_COUNT > 0) app.set('trust proxy', config.TRUSTED_PROXY_COUNT);
  const httpServer = http.createServer(app);
  const metrics = createMetricsRegistry('gateway');
  const edge = createEdge<GatewayContext>(config, metrics, log);
  // Same keys users writes on logout and role change (its namespace + auth:revoked:).
  const revocations = new RevocationList({
    redisUrl: config.REDIS_URL,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
    keyPrefix: namespaceOf(config).key('auth:revoked:'),
    cacheMs: config.REVOCATION_CACHE_MS,
    failMode: config.REVOCATION_FAIL_MODE,
    log,
    metrics,
  });
  // APQ documents in Redis, shared by every replica; trusted-documents mode runs only the manifests' operations.
  const apqCache = config.APQ_ENABLED
    ? new RedisDocumentCache(config.REDIS_URL, config.REDIS_COMMAND_TIMEOUT_MS, namespaceOf(config).key('gateway:apq:'), log)
    : null;
  // The same manifests on HTTP (the plugin) and on the websocket (live tracking).
  const trustedDocuments =
    config.TRUSTED_DOCUMENTS === 'enforce'
      ? loadTrustedDocuments(
          config.TRUSTED_DOCUMENTS_PATHS.split(',')
            .map((p) => p.trim())
            .filter(Boolean),
        )
      : null;
  const trusted = trustedDocuments ? trustedDocumentsPlugin<GatewayContext>(trustedDocuments) : null;
  const verifier = new AccessTokenVerifier(config.JWKS_URL, config.ACCESS_TOKEN_ISSUER, config.ACCESS_TOKEN_AUDIENCE, revocations);

  const guardMetrics: SubgraphGuardMetrics = createSubgraphGuardMetrics(metrics);
  // One guard per subgraph for the gateway's life: a recomposed supergraph rebuilds the data sources, not the breakers.
  const guards = new Map<string, SubgraphGuard>();
  const guardOf = (name: string) => {
    let guard = guards.get(name);
    if (!guard) {
      guard = new SubgraphGuard(name, {
        timeoutMs: config.subgraphTimeouts?.[name] ?? config.SUBGRAPH_TIMEOUT_MS,
        failureThreshold: config.SUBGRAPH_BREAKER_FAILURES,
        resetMs: config.SUBGRAPH_BREAKER_RESET_MS,
        metrics: guardMetrics,
        log,
      });
      guards.set(name, guard);
    }
    return guard;
  };

  const tokens = new InternalTokenCache(config.INTERNAL_TOKEN_PRIVATE_KEY);
  const deduplicated = new Counter({
    name: 'gateway_subgraph_deduplicated_total',
    help: 'Subgraph queries answered by an identical call already in flight (SUBGRAPH_DEDUPLICATION)',
    labelNames: ['subgraph'],
    registers: [metrics],
  });
  // One for every subgraph: a query started after any mutation's answer never joins an older call.
  const mutationEpoch = { value: 0 };
  const deduplicate = (name: string) =>
    config.SUBGRAPH_DEDUPLICATION
      ? (call: SubgraphCall<SubgraphAnswer>) =>
          new InFlightDeduplicator(call, { onDeduplicated: () => deduplicated.inc({ subgraph: name }) }, mutationEpoch).call
      : null;

  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(config.SUPERGRAPH_PATH, !production, log),
    buildService: ({ name, url }) =>
      new SubgraphDataSource<GatewayContext>(name, config.subgraphUrls[name] ?? url!, tokens, guardOf(name), deduplicate(name)),
    logger: log,
  });

  // Subscriptions are validated against the API schema of whatever supergraph is loaded now.
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: schema }) => {
    apiSchema = schema;
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !production,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: false,
    // Shutdown belongs to stopOnSignals; Apollo's own handler would re-send the signal mid-stop.
    stopOnTerminationSignals: false,
    formatError: edge.plugin.formatError(maskErrors(log)),
    // No "Did you mean …" field suggestions where the schema is not public.
    hideSchemaDetailsFromClientErrors: production,
    // Token limit while parsing; the other limits are measured by the edge plugin before validation.
    parseOptions: edge.parseOptions,
    persistedQueries: apqCache ? { cache: apqCache, ttl: config.APQ_TTL_SECONDS } : false,
    plugins: [
      ...(trusted ? [trusted] : []),
      edge.plugin,
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
      graphqlMetricsPlugin(metrics, { maxOperationNames: config.METRICS_MAX_OPERATION_NAMES }),
      requestLogPlugin<GatewayContext>(log),
    ],
  });

  const liveOrders = createLiveOrderTracking({
    config,
    httpServer,
    path: '/graphql',
    schema: () => apiSchema,
    verifier,
    registry: metrics,
    log,
    trustedDocuments,
    revocations,
    // A subscriber's selection runs as a query through this same server, as that subscriber.
    execute: async (query, variables, viewer) => {
      const response = await apollo.executeOperation({ query, variables }, { contextValue: { viewer, requestId: randomUUID() } });
      if (response.body.kind !== 'single') throw new Error('unexpected incremental response');
      return response.body.singleResult;
    },
  });

  let loaded = false;
  const readiness = {
    supergraph: async () => {
      if (!loaded) throw new Error('supergraph not loaded yet');
    },
    kafka: () => liveOrders.check(),
  };
  // /metrics and detailed health on the admin port; the public port answers health status only.
  const admin = createAdminServer(
    config.ADMIN_PORT ?? (config.PORT === 0 ? 0 : 9400),
    config.HOST,
    metrics,
    readiness,
    { liveness: { kafka: () => liveOrders.live() } },
    log,
  );
  mountPublicHealth(app, readiness);

  const allowedOrigins = config.CORS_ORIGINS.split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const cors: express.RequestHandler = (req, res, next) => {
    const origin = req.header('origin');
    if (origin && (allowedOrigins.length === 0 || allowedOrigins.includes(origin))) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'origin');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, apollo-require-preflight, x-request-id');
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };

  return {
    async start() {
      await apollo.start();
      await edge.start();
      await revocations.start();
      await apqCache?.start();
      await liveOrders.start();
      loaded = true;
      app.use(
        '/graphql',
        cors,
        ...jsonBody('1mb', log),
        requestIds(),
        expressMiddleware(apollo, {
          context: async ({ req }) => {
            const access = await verifier.verify(req.header('authorization'));
            return {
              viewer: access?.viewer ?? null,
              sessionId: access?.token.sid,
              requestId: req.header('x-request-id') ?? randomUUID(),
              traceparent: req.header('traceparent'),
              clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown',
            };
          },
        }),
      );
      app.use(...jsonFallbacks(log));
      await admin.start();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.PORT, config.HOST, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const url = `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}/graphql`;
      log.info({ url }, 'gateway ready');
      adminUrls.set(url, admin.url!);
      return { url, port };
    },
    async stop() {
      await liveOrders.stop();
      await apollo.stop();
      await admin.stop();
      await edge.stop();
      await revocations.stop();
      await apqCache?.stop();
    },
  };
}
