import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Registry } from 'prom-client';
import { jsonFallbacks, mountOperationalRoutes, namespaceOf, type Logger, type OperationalChecks, type ReadinessCheck } from '@shopgraph/kit';
import type { GatewayConfig } from '../config';
import { defaultCostModel, type ComplexityLimits, type CostModel } from './complexity';
import { edgePlugin, type EdgeContext } from './plugin';
import { parseCosts, parseFieldBudgets, RateLimiter } from './rate-limit';

export * from './complexity';
export { edgePlugin, type EdgeContext } from './plugin';
export { RateLimiter, requestCost, parseCosts, parseFieldBudgets, rateLimitedError } from './rate-limit';

/** The operation limits and cost model from the gateway's configuration. */
export function limitsFrom(config: GatewayConfig): { limits: ComplexityLimits; costModel: CostModel } {
  return {
    limits: {
      maxDepth: config.MAX_QUERY_DEPTH,
      maxAliases: config.MAX_QUERY_ALIASES,
      maxRootFields: config.MAX_QUERY_ROOT_FIELDS,
      maxTokens: config.MAX_QUERY_TOKENS,
      maxDirectives: config.MAX_QUERY_DIRECTIVES,
      maxCost: config.MAX_QUERY_COST,
    },
    costModel: {
      ...defaultCostModel,
      assumedListSize: config.COST_ASSUMED_LIST_SIZE,
      maxListSize: config.COST_MAX_LIST_SIZE,
      mutationCost: config.COST_MUTATION,
    },
  };
}

/** The gateway's public edge: limits, rate limiter and the plugin applying them. */
export function createEdge<C extends EdgeContext>(config: GatewayConfig, registry: Registry, log: Logger) {
  const { limits, costModel } = limitsFrom(config);
  const rateLimiter = config.RATE_LIMIT_ENABLED
    ? new RateLimiter({
        redisUrl: config.REDIS_URL,
        commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
        keyPrefix: namespaceOf(config).key(config.RATE_LIMIT_KEY_PREFIX),
        client: { burst: config.RATE_LIMIT_CLIENT_BURST, perSecond: config.RATE_LIMIT_CLIENT_PER_SECOND },
        global: { burst: config.RATE_LIMIT_GLOBAL_BURST, perSecond: config.RATE_LIMIT_GLOBAL_PER_SECOND },
        costs: parseCosts(config.RATE_LIMIT_COSTS),
        fieldBudgets: parseFieldBudgets(config.RATE_LIMIT_FIELD_BUDGETS),
        log,
        metrics: registry,
      })
    : null;
  return {
    limits,
    costModel,
    rateLimiter,
    /** graphql `parse` options: the token limit. */
    parseOptions: { maxTokens: limits.maxTokens },
    plugin: edgePlugin<C>({ limits, costModel, rateLimiter, registry, log }),
    async start() {
      await rateLimiter?.start();
    },
    async stop() {
      await rateLimiter?.stop();
    },
  };
}

/**
 * The operational surface off the public port: /metrics and /health/* (with the checks'
 * details) on ADMIN_PORT, for Prometheus and the kubelet only.
 */
export function createAdminServer(
  port: number,
  host: string,
  registry: Registry,
  readiness: Record<string, ReadinessCheck>,
  checks: OperationalChecks,
  log: Logger,
) {
  const app = express();
  app.disable('x-powered-by');
  mountOperationalRoutes(app, registry, readiness, checks);
  app.use(...jsonFallbacks(log));
  const server = http.createServer(app);
  let url: string | null = null;
  return {
    get url() {
      return url;
    },
    async start(): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const bound = (server.address() as AddressInfo).port;
      url = `http://${host === '0.0.0.0' ? 'localhost' : host}:${bound}`;
      log.info({ url }, 'admin endpoints (metrics, health) ready');
      return url;
    },
    async stop(): Promise<void> {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Public-port health: status only (the details are on the admin port). */
export function mountPublicHealth(app: express.Express, readiness: Record<string, ReadinessCheck>): void {
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/health/ready', async (_req, res) => {
    const results = await Promise.allSettled(
      Object.values(readiness).map((check) => Promise.race([check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())])),
    );
    const ready = results.every((r) => r.status === 'fulfilled');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ok' : 'unavailable' });
  });
}
