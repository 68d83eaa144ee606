import type http from 'node:http';
import {
  createSourceEventStream,
  getOperationAST,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { decodeJwt } from 'jose';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerOptions } from 'graphql-ws';
import { maskErrors, type Logger, type Viewer } from '@shopgraph/kit';
import type { AccessTokenVerifier } from '../auth';
import { depthLimit } from '../depth-limit';
import { SLOW_CONSUMER, sendQueueVerdict, type SendQueueLimits } from './backpressure';
import type { OrderEventHub } from './order-hub';
import { orderSubscriptionResolver, type DeliveryMeta, type GatewayExecutor, type SubscriptionConnection, type SubscriptionContext } from './order-subscriptions';
import type { SubscriptionMetrics } from './subscription.metrics';

// graphql-ws publishes `useServer` under the subpath export `graphql-ws/use/ws`, which this
// repo's TypeScript resolution (moduleResolution "node") cannot see; Node resolves it fine.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useServer } = require('graphql-ws/use/ws') as typeof import('graphql-ws/dist/use/ws');

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  /** Websocket path: the same as the HTTP GraphQL endpoint. */
  path: string;
  /** The supergraph's current API schema (null until the gateway has loaded it). */
  schema: () => GraphQLSchema | null;
  verifier: AccessTokenVerifier;
  execute: GatewayExecutor;
  hub: OrderEventHub;
  metrics: SubscriptionMetrics;
  log: Logger;
  maxDepth: number;
  maxSubscriptionsPerConnection: number;
  sendQueue: SendQueueLimits;
  /** Interval of websocket pings; a client that does not answer one within it is dropped. */
  keepAliveMs: number;
  production: boolean;
}

export interface SubscriptionServer {
  /** Closes every socket with 1001 (going away) and stops accepting new ones. */
  dispose(): Promise<void>;
  /** Open sockets right now. */
  readonly connections: number;
}

/** The state the gateway keeps per socket: who is on it and its subscriptions' send backlog. */
class Connection implements SubscriptionConnection {
  viewer: Viewer | null = null;
  private readonly subscriptions = new Set<{ backlog(): number }>();
  private expiry: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SendQueueLimits,
    private readonly metrics: SubscriptionMetrics,
    private readonly log: Logger,
  ) {}

  track(subscription: { backlog(): number }): () => void {
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  checkPressure(): void {
    if (this.closing) return;
    let pendingMessages = 0;
    for (const s of this.subscriptions) pendingMessages += s.backlog();
    const verdict = sendQueueVerdict({ pendingMessages, bufferedBytes: this.socket.bufferedAmount }, this.limits);
    if (!verdict) return;
    this.log.warn({ viewer: this.viewer?.id, verdict }, 'closing a subscription socket whose client cannot keep up');
    this.metrics.slowConsumers.inc();
    this.close(SLOW_CONSUMER.code, SLOW_CONSUMER.reason);
  }

  /** Closes the socket with 4403 when the access token it was opened with expires (the client reconnects with a fresh one). */
  expireAt(epochSeconds: number | undefined): void {
    if (!epochSeconds) return;
    const ms = Math.max(0, epochSeconds * 1000 - Date.now());
    this.expiry = setTimeout(() => this.close(4403, 'Forbidden: access token expired'), Math.min(ms, 2 ** 31 - 1));
    this.expiry.unref();
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
  }

  closed(): void {
    this.closing = true;
    if (this.expiry) clearTimeout(this.expiry);
  }
}

function withCode(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) =>
    e.extensions?.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions: { ...e.extensions, code } }),
  );
}

/**
 * The graphql-ws server on the gateway's HTTP server: authenticates `connection_init`,
 * validates subscription operations against the supergraph's API schema (plus the depth
 * limit), serves `orderStatusChanged` / `myOrderUpdates` from Kafka through the hub, and
 * enforces the per-socket limits. Queries and mutations are refused here: they go over HTTP.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const { log, metrics } = options;
  const maskUnsafe = maskErrors(log);
  // Codes of this server's own refusals, written for clients (the kit's list covers the rest).
  const ownCodes = new Set(['TOO_MANY_SUBSCRIPTIONS', 'SERVICE_UNAVAILABLE']);
  const mask = (error: GraphQLFormattedError, original: unknown): GraphQLFormattedError => {
    const masked = ownCodes.has(String(error.extensions?.code)) ? { message: error.message, extensions: { code: error.extensions!.code } } : maskUnsafe(error, original);
    // HTTP status hints mean nothing on a websocket.
    const { http: _http, ...extensions } = (masked.extensions ?? {}) as Record<string, unknown>;
    return { ...masked, extensions };
  };
  const deliveries = new WeakMap<ExecutionResult, DeliveryMeta>();
  const resolver = orderSubscriptionResolver({ hub: options.hub, execute: options.execute, metrics, log, deliveries });
  const connections = new WeakMap<WebSocket, Connection>();
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: 256 * 1024 });

  wss.on('connection', (socket) => {
    const connection = new Connection(socket, options.sendQueue, metrics, log);
    connections.set(socket, connection);
    metrics.openSockets.inc();
    socket.once('close', () => {
      connection.closed();
      metrics.openSockets.dec();
    });
  });

  type Extra = { socket: WebSocket; request: http.IncomingMessage };
  const formatted = (result: ExecutionResult): ExecutionResult => {
    if (!result.errors?.length) return result;
    const errors = result.errors.map((e) => {
      const plain: GraphQLFormattedError = e instanceof GraphQLError ? e.toJSON() : (e as GraphQLFormattedError);
      return mask(plain, e);
    });
    return { ...result, errors: errors as unknown as ExecutionResult['errors'] };
  };

  const serverOptions: ServerOptions<Record<string, unknown> | undefined, Extra> = {
    connectionInitWaitTimeout: 5000,
    onConnect: async (ctx) => {
      const connection = connections.get(ctx.extra.socket)!;
      const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
      if (raw !== undefined && raw !== null && typeof raw !== 'string') return false;
      try {
        connection.viewer = await options.verifier.viewerFrom(raw || undefined);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        connection.close(4403, `Forbidden: ${error.message}`);
        return false;
      }
      if (raw) connection.expireAt(decodeJwt(raw.replace(/^Bearer\s+/i, '')).exp);
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const schema = options.schema();
      if (!schema) return [new GraphQLError('The gateway has not loaded its schema yet; retry shortly', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
      if (Object.keys(ctx.subscriptions).length > options.maxSubscriptionsPerConnection) {
        return [
          new GraphQLError(`Too many subscriptions on this connection (at most ${options.maxSubscriptionsPerConnection}); complete one first`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
          }),
        ];
      }
      let document: DocumentNode;
      try {
        document = parse(payload.query);
      } catch (error) {
        return withCode([error as GraphQLError], 'GRAPHQL_PARSE_FAILED');
      }
      const invalid = validate(schema, document, [...specifiedRules, depthLimit(options.maxDepth)]);
      if (invalid.length > 0) return withCode(invalid, 'GRAPHQL_VALIDATION_FAILED');
      const operation = getOperationAST(document, payload.operationName);
      if (!operation) return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'BAD_REQUEST' } })];
      if (operation.operation !== 'subscription') {
        return [
          new GraphQLError(`Only subscriptions are served over the websocket; send ${operation.operation} operations with HTTP POST to ${options.path}`, {
            extensions: { code: 'BAD_REQUEST' },
          }),
        ];
      }
      const connection = connections.get(ctx.extra.socket)!;
      const variables = payload.variables ?? {};
      const contextValue: SubscriptionContext = { viewer: connection.viewer, connection, variables };
      return { schema, document, operationName: payload.operationName, variableValues: variables, contextValue };
    },
    // Our resolver returns the finished stream (a Channel of ExecutionResults), so no per-event execute follows.
    subscribe: (args: ExecutionArgs) => createSourceEventStream({ ...args, subscribeFieldResolver: resolver }) as Promise<AsyncIterable<ExecutionResult> | ExecutionResult>,
    onNext: (_ctx, _id, _payload, _args, result) => {
      const meta = deliveries.get(result as ExecutionResult);
      if (meta) {
        metrics.deliveries.inc({ kind: meta.kind });
        if (meta.kind === 'live' && meta.occurredAt) {
          metrics.deliveryLatency.observe(Math.max(0, Date.now() - Date.parse(meta.occurredAt)) / 1000);
        }
      }
      return formatted(result as ExecutionResult);
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => mask(e.toJSON(), e)),
  };
  useServer(serverOptions, wss, options.keepAliveMs);

  return {
    get connections() {
      return wss.clients.size;
    },
    async dispose() {
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      const deadline = Date.now() + 3000;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
