import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Express, type Request, type Response, type NextFunction } from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import type { BaseConfig } from './config';
import type { Logger } from './logger';
import type { RequestContext, Viewer } from './context';
import { maskErrors } from './errors';
import { jsonBody, jsonFallbacks } from './json-body';
import { runWithLogFields } from './trace-context';
import { INTERNAL_TOKEN_HEADER, verifyInternalTokenClaims } from './internal-token';
import { createMetricsRegistry, graphqlMetricsPlugin } from './metrics';
import { inputTextPlugin } from './input-text';

/** A readiness probe: resolves when the dependency answers, throws otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

export interface SubgraphServerOptions<C extends RequestContext> {
  /** Subgraph name; also the audience its internal tokens must carry. */
  name: string;
  schema: GraphQLSchema;
  /** The service's validated config: where to listen, the internal-token secret, production or not. */
  config: Pick<BaseConfig, 'HOST' | 'NODE_ENV' | 'INTERNAL_TOKEN_PUBLIC_KEYS'> & { PORT: number };
  log: Logger;
  /** Named probes for /health/ready (its stores, the broker). */
  readiness?: Record<string, ReadinessCheck>;
  /** Liveness probes and degraded-only readiness probes (see mountOperationalRoutes). */
  health?: OperationalChecks;
  /** Adds per-request state (DataLoaders, services) to the base context. */
  context?: (base: RequestContext) => C | Promise<C>;
  /** Extra public routes (e.g. JWKS), mounted before the GraphQL endpoint. */
  routes?: (app: Express) => void;
  metrics?: Registry;
  /**
   * Input coordinates whose text may span lines ("AddReviewInput.body", "Query.f(arg:)"): there
   * \n, \r and \t pass; every other string input refuses all control characters (INVALID_INPUT).
   */
  multilineInputs?: string[];
}

export interface RunningServer {
  app: Express;
  metrics: Registry;
  /** Starts listening; resolves with the bound URL (port 0 picks a free port). */
  start(): Promise<{ url: string; port: number }>;
  /** Stops accepting, drains in-flight requests, then resolves. */
  stop(): Promise<void>;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Probes beyond readiness: what /health/live runs, and readiness checks that only flag degradation. */
export interface OperationalChecks {
  /**
   * Named probes for /health/live: fail only when the process cannot recover by itself (e.g. a
   * Kafka consumer that gave up), so the orchestrator restarts it. Without any, live is always ok.
   */
  liveness?: Record<string, ReadinessCheck>;
  /**
   * Named readiness probes whose failure marks the service degraded (status "degraded", still
   * 200): it keeps serving, slower or with a fallback (e.g. an outbox relay polling while its
   * LISTEN connection reconnects).
   */
  degraded?: Record<string, ReadinessCheck>;
}

async function runChecks(checks: Record<string, ReadinessCheck>, failed: string): Promise<Array<readonly [string, string]>> {
  return Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), 2000);
        return [name, 'ok'] as const;
      } catch (error) {
        return [name, `${failed}: ${(error as Error).message}`] as const;
      }
    }),
  );
}

/**
 * Mounts /health/live, /health/ready and /metrics on an express app. Ready is 503 when any
 * `readiness` check fails; 200 with status "degraded" when only `checks.degraded` ones fail.
 * Live is 503 when any `checks.liveness` check fails.
 */
export function mountOperationalRoutes(
  app: Express,
  metrics: Registry,
  readiness: Record<string, ReadinessCheck>,
  checks: OperationalChecks = {},
): void {
  app.get('/health/live', async (_req, res) => {
    const results = await runChecks(checks.liveness ?? {}, 'down');
    const live = results.every(([, status]) => status === 'ok');
    res.status(live ? 200 : 503).json(results.length === 0 ? { status: 'ok' } : { status: live ? 'ok' : 'dead', checks: Object.fromEntries(results) });
  });
  app.get('/health/ready', async (_req, res) => {
    const [required, advisory] = await Promise.all([runChecks(readiness, 'down'), runChecks(checks.degraded ?? {}, 'degraded')]);
    const ready = required.every(([, status]) => status === 'ok');
    const degraded = advisory.some(([, status]) => status !== 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? (degraded ? 'degraded' : 'ok') : 'unavailable', checks: Object.fromEntries([...required, ...advisory]) });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
}

/**
 * An Apollo subgraph behind express: GraphQL at /graphql for callers holding a valid internal
 * token (everyone else gets 401), health and metrics endpoints, masked errors, graceful stop.
 * Never listens until `start()` is called, so tests drive it directly.
 */
export function createSubgraphServer<C extends RequestContext>(options: SubgraphServerOptions<C>): RunningServer {
  const { name, log, config } = options;
  const production = config.NODE_ENV === 'production';
  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  // The gateway keeps pooled connections to every subgraph. Node closes idle sockets after 5 s,
  // which races a request the gateway is just sending on one (ECONNRESET → a 500 for the client):
  // keep idle sockets longer than any client pool does.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const metrics = options.metrics ?? createMetricsRegistry(name);

  const apollo = new ApolloServer<C>({
    schema: options.schema,
    introspection: !production,
    includeStacktraceInErrorResponses: false,
    // Shutdown belongs to stopOnSignals; Apollo's own handler would re-send the signal mid-stop.
    stopOnTerminationSignals: false,
    formatError: maskErrors(log),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // Federated traces feed Apollo Studio, which this project does not use; metrics come from /metrics.
      ApolloServerPluginInlineTraceDisabled(),
      graphqlMetricsPlugin(metrics),
      inputTextPlugin(options.schema, options.multilineInputs),
    ],
  });

  mountOperationalRoutes(app, metrics, options.readiness ?? {}, options.health);
  options.routes?.(app);

  const requireInternalToken = async (req: Request, res: Response, next: NextFunction) => {
    const token = req.header(INTERNAL_TOKEN_HEADER);
    try {
      if (!token) throw new Error('missing');
      const claims = await verifyInternalTokenClaims(config.INTERNAL_TOKEN_PUBLIC_KEYS, token, name);
      res.locals.viewer = claims.viewer;
      res.locals.clientIp = claims.clientIp;
      res.locals.sessionId = claims.sessionId;
      next();
    } catch {
      res.status(401).json({
        errors: [{ message: 'This service is only reachable through the gateway', extensions: { code: 'UNAUTHENTICATED' } }],
      });
    }
  };

  let started = false;
  return {
    app,
    metrics,
    async start() {
      await apollo.start();
      started = true;
      app.use(
        '/graphql',
        requireInternalToken,
        ...jsonBody('1mb', log),
        // Every log line of the request (resolvers, stores, events it enqueues) carries its requestId
        // (and traceId when tracing is on): after body parsing, whose stream callbacks leave the context.
        (req: Request, res: Response, next: NextFunction) => {
          const requestId = req.header('x-request-id') ?? randomUUID();
          res.locals.requestId = requestId;
          runWithLogFields({ requestId }, next);
        },
        expressMiddleware(apollo, {
          context: async ({ res }) => {
            const requestId = res.locals.requestId as string;
            const base: RequestContext = {
              viewer: (res.locals.viewer as Viewer | null) ?? null,
              ...(typeof res.locals.clientIp === 'string' ? { clientIp: res.locals.clientIp } : {}),
              ...(typeof res.locals.sessionId === 'string' ? { sessionId: res.locals.sessionId } : {}),
              requestId,
              log,
            };
            return (options.context ? await options.context(base) : base) as C;
          },
        }),
      );
      // Unknown routes and unhandled errors answer JSON and log one JSON line (not Express's HTML and stderr stack).
      app.use(...jsonFallbacks(log));
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.PORT, config.HOST, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const url = `http://${config.HOST}:${port}/graphql`;
      log.info({ url }, `${name} subgraph ready`);
      return { url, port };
    },
    async stop() {
      if (started) await apollo.stop();
      else httpServer.close();
    },
  };
}
