import type http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Registry } from 'prom-client';
import { namespaceOf, type Logger } from '@shopgraph/kit';
import type { AccessTokenVerifier } from '../auth';
import type { RevocationList } from '../edge/revocation';
import type { ManifestOperation } from '../edge/trusted-documents';
import type { GatewayConfig } from '../config';
import { limitsFrom } from '../edge';
import { OrderFeed } from './order-feed';
import { OrderEventHub } from './order-hub';
import type { GatewayExecutor } from './order-subscriptions';
import { createSubscriptionServer, type SubscriptionServer } from './subscription-server';
import { createSubscriptionMetrics } from './subscription.metrics';

export type { GatewayExecutor } from './order-subscriptions';

export interface LiveOrderTrackingOptions {
  config: GatewayConfig;
  httpServer: http.Server;
  path: string;
  schema: () => GraphQLSchema | null;
  verifier: AccessTokenVerifier;
  execute: GatewayExecutor;
  registry: Registry;
  log: Logger;
  /** Trusted-documents mode: the only operations a socket may subscribe with (null = off). */
  trustedDocuments?: Map<string, ManifestOperation> | null;
  /** Open sockets of revoked sessions are closed within REVOCATION_SOCKET_CHECK_MS (null = not re-checked). */
  revocations?: Pick<RevocationList, 'revokedAmong'> | null;
}

/** Live order tracking: the orders.v1 feed, the in-process hub and the graphql-ws server. */
export interface LiveOrderTracking {
  /** Starts the Kafka feed (resolves after its first fetch) and accepts websockets. */
  start(): Promise<void>;
  /** Closes every socket (1001) and stops the feed. */
  stop(): Promise<void>;
  /** Readiness: Kafka answers and the feed's consumer is running and fetching. */
  check(): Promise<void>;
  /** Liveness: fails only when the feed's consumer cannot run (for /health/live). */
  live(): Promise<void>;
}

export function createLiveOrderTracking(options: LiveOrderTrackingOptions): LiveOrderTracking {
  const { config, log } = options;
  const hub = new OrderEventHub();
  const metrics = createSubscriptionMetrics(options.registry);
  const feed = new OrderFeed({ brokers: config.KAFKA_BROKERS, namespace: namespaceOf(config), groupId: config.KAFKA_GROUP_ID || undefined, hub, log, registry: options.registry });
  let server: SubscriptionServer | null = null;
  return {
    async start() {
      await feed.start();
      server = createSubscriptionServer({
        httpServer: options.httpServer,
        path: options.path,
        schema: options.schema,
        verifier: options.verifier,
        execute: shareInFlight(limitConcurrency(options.execute, config.SUBSCRIPTION_QUERY_CONCURRENCY)),
        hub,
        metrics,
        log,
        ...limitsFrom(config),
        maxSubscriptionsPerConnection: config.SUBSCRIPTION_MAX_PER_CONNECTION,
        maxConnectionsPerClient: config.SUBSCRIPTION_MAX_CONNECTIONS_PER_CLIENT,
        maxAnonymousConnections: config.SUBSCRIPTION_MAX_ANONYMOUS_CONNECTIONS,
        idleTimeoutMs: config.SUBSCRIPTION_IDLE_TIMEOUT_MS,
        trustedProxies: config.TRUSTED_PROXY_COUNT,
        sendQueue: { maxPendingMessages: config.SUBSCRIPTION_MAX_PENDING_MESSAGES, maxBufferedBytes: config.SUBSCRIPTION_MAX_BUFFERED_BYTES },
        keepAliveMs: config.SUBSCRIPTION_KEEPALIVE_MS,
        production: config.NODE_ENV === 'production',
        trustedDocuments: options.trustedDocuments ?? null,
        revocations: options.revocations ?? null,
        revocationCheckMs: config.REVOCATION_SOCKET_CHECK_MS,
      });
      log.info({ groupId: feed.groupId }, 'live order tracking ready');
    },
    async stop() {
      await server?.dispose();
      server = null;
      await feed.stop();
    },
    check: () => feed.check(),
    live: () => feed.live(),
  };
}

/** At most `limit` subscription queries in flight at once, so an event with many subscribers does not flood the subgraphs. */
export function limitConcurrency(execute: GatewayExecutor, limit: number): GatewayExecutor {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (query, variables, viewer) => {
    // A finishing query hands its slot straight to the next waiter, so the limit always holds.
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active += 1;
    try {
      return await execute(query, variables, viewer);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    }
  };
}

/**
 * Subscribers of one event who ask the same query as the same viewer share one execution while
 * it is in flight (an order watched from several devices, an ADMIN dashboard): the answer is
 * read-only, and nothing is kept once it settles, so every event still reads fresh state.
 */
export function shareInFlight(execute: GatewayExecutor): GatewayExecutor {
  const inFlight = new Map<string, ReturnType<GatewayExecutor>>();
  return (query, variables, viewer) => {
    const key = JSON.stringify([viewer?.id ?? null, viewer?.role ?? null, query, variables]);
    let pending = inFlight.get(key);
    if (!pending) {
      pending = execute(query, variables, viewer).finally(() => inFlight.delete(key));
      inFlight.set(key, pending);
    }
    return pending;
  };
}
