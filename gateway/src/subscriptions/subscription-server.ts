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
import { WebSocketServer, type WebSocket } from 'ws';
import type { ServerOptions } from 'graphql-ws';
import { maskErrors, type Logger, type Viewer } from '@shopgraph/kit';
import type { AccessTokenVerifier } from '../auth';
import { assertWithinLimits, parseWithinLimits, QueryTooComplexError, type ComplexityLimits, type CostModel } from '../edge/complexity';
import { clientIpOf } from '../edge/client-ip';
import type { RevocableToken, RevocationList } from '../edge/revocation';
import { resolveTrustedDocument, trustedDocumentRefusal, type ManifestOperation } from '../edge/trusted-documents';
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
  /** The same operation limits as HTTP (see edge/complexity). */
  limits: ComplexityLimits;
  costModel: CostModel;
  maxSubscriptionsPerConnection: number;
  /** Open sockets one client (user id, else IP) may hold on this instance. */
  maxConnectionsPerClient: number;
  /** Open sockets without a signed-in user this instance holds at most. */
  maxAnonymousConnections: number;
  /** A socket without any subscription for this long is closed (4000). */
  idleTimeoutMs: number;
  /** Reverse proxies whose X-Forwarded-For is trusted (client address of anonymous sockets). */
  trustedProxies: number;
  sendQueue: SendQueueLimits;
  /** Interval of websocket pings; a client that does not answer one within it is dropped. */
  keepAliveMs: number;
  production: boolean;
  /**
   * Trusted-documents mode (TRUSTED_DOCUMENTS=enforce): the manifests' operations, the only
   * ones a socket may subscribe with, exactly as on HTTP. Null = any operation within the limits.
   */
  trustedDocuments?: Map<string, ManifestOperation> | null;
  /**
   * Open sockets of a revoked session (logout, stolen refresh-token family, role or password
   * change) are closed with 4403 within `revocationCheckMs`: one timer for every socket reads
   * the revocation keys of all signed-in sockets in one MGET. Null = not re-checked.
   */
  revocations?: Pick<RevocationList, 'revokedAmong'> | null;
  revocationCheckMs?: number;
}

export interface SubscriptionServer {
  /** Closes every socket with 1001 (going away) and stops accepting new ones. */
  dispose(): Promise<void>;
  /** Open sockets right now. */
  readonly connections: number;
  /** Checks every signed-in socket against the revocation list now (the timer does it every `revocationCheckMs`); resolves to the number closed. */
  checkRevocations(): Promise<number>;
}

/** One subscription's place on its socket, from `subscribe` until its stream ends. */
interface Slot {
  /** The client's subscription id (ids may be reused once completed). */
  id: string;
  stream: AsyncIterator<unknown> | null;
  released: boolean;
}

/**
 * The state the gateway keeps per socket: who is on it, its subscriptions' send backlog, and
 * its live subscriptions. These are counted here, not in graphql-ws's id map: an id completed
 * while its subscribe is still resolving and then reused would otherwise be counted once but
 * run twice, and survive the socket (graphql-ws ends only the streams its map still holds).
 */
class Connection implements SubscriptionConnection {
  viewer: Viewer | null = null;
  /** The claims of the access token the socket was opened with (revocation is re-checked against them). */
  token: RevocableToken | null = null;
  /** Who this socket counts against (set once the connection is accepted). */
  clientKey: string | null = null;
  private readonly subscriptions = new Set<{ backlog(): number }>();
  private readonly slots = new Set<Slot>();
  private expiry: NodeJS.Timeout | null = null;
  private idle: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly limits: SendQueueLimits,
    private readonly metrics: SubscriptionMetrics,
    private readonly log: Logger,
    readonly clientIp: string,
    private readonly idleTimeoutMs: number,
  ) {
    this.armIdle();
  }

  /** Live subscriptions (reserved or streaming) on this socket. */
  get live(): number {
    return this.slots.size;
  }

  /** A place for one more subscription, or null when the socket is at `max` (or closing). */
  reserve(max: number, id: string): Slot | null {
    if (this.closing || this.slots.size >= max) return null;
    const slot: Slot = { id, stream: null, released: false };
    this.slots.add(slot);
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    return slot;
  }

  /**
   * The client sent `complete` for `id`: every subscription it started under that id ends,
   * including one whose subscribe is still resolving (its stream is ended when it arrives).
   */
  completed(id: string): void {
    for (const slot of [...this.slots]) {
      if (slot.id !== id) continue;
      this.release(slot);
      void slot.stream?.return?.();
    }
  }

  release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    this.slots.delete(slot);
    if (this.slots.size === 0) this.armIdle();
  }

  /**
   * Binds a stream to its slot: the slot is freed when the stream ends however it ends (done,
   * error, `return()` from graphql-ws or from this socket closing). A stream arriving after the
   * socket closed (or after its slot was given up) is ended at once.
   */
  attach<T>(slot: Slot, stream: AsyncIterable<T>): AsyncIterableIterator<T> {
    const inner = stream[Symbol.asyncIterator]();
    const end = async (): Promise<IteratorResult<T>> => {
      this.release(slot);
      await inner.return?.();
      return { value: undefined, done: true };
    };
    const wrapped: AsyncIterableIterator<T> = {
      next: async () => {
        if (slot.released) return end();
        try {
          const result = await inner.next();
          if (result.done) this.release(slot);
          return result;
        } catch (error) {
          this.release(slot);
          throw error;
        }
      },
      return: end,
      throw: end,
      [Symbol.asyncIterator]() {
        return wrapped;
      },
    };
    slot.stream = wrapped;
    if (this.closing || slot.released) void end();
    return wrapped;
  }

  private armIdle(): void {
    if (this.closing) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.close(4000, 'Idle: no subscription'), this.idleTimeoutMs);
    this.idle.unref();
  }

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

  /** The socket is gone: every stream it started ends now, whatever graphql-ws still knows of it. */
  closed(): void {
    this.closing = true;
    if (this.expiry) clearTimeout(this.expiry);
    if (this.idle) clearTimeout(this.idle);
    for (const slot of [...this.slots]) {
      this.release(slot);
      void slot.stream?.return?.();
    }
  }
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && typeof (value as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';

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
  // Open sockets per client key (user:<id> / ip:<address>) and anonymous ones, on this instance.
  const perClient = new Map<string, number>();
  let anonymous = 0;
  const mask = (error: GraphQLFormattedError, original: unknown): GraphQLFormattedError => {
    const masked = ownCodes.has(String(error.extensions?.code)) ? { message: error.message, extensions: { code: error.extensions!.code } } : maskUnsafe(error, original);
    // HTTP status hints mean nothing on a websocket.
    const { http: _http, ...extensions } = (masked.extensions ?? {}) as Record<string, unknown>;
    return { ...masked, extensions };
  };
  const deliveries = new WeakMap<ExecutionResult, DeliveryMeta>();
  const resolver = orderSubscriptionResolver({ hub: options.hub, execute: options.execute, metrics, log, deliveries });
  const connections = new WeakMap<WebSocket, Connection>();
  const trustedDocuments = options.trustedDocuments ?? null;

  // Revocation of open sockets: one timer for all of them (a sweep with no signed-in socket open does nothing).
  const signedIn = new Set<Connection>();
  let sweeping: Promise<number> | null = null;
  const checkRevocations = (): Promise<number> => {
    if (!options.revocations || signedIn.size === 0) return Promise.resolve(0);
    // A sweep still waiting on Redis is not doubled.
    sweeping ??= (async () => {
      const open = [...signedIn];
      const verdicts = await options.revocations!.revokedAmong(open.map((c) => c.token!));
      let closed = 0;
      if (!verdicts) return closed;
      open.forEach((connection, i) => {
        if (!verdicts[i]) return;
        signedIn.delete(connection);
        connection.close(4403, 'Forbidden: session revoked; sign in again');
        closed += 1;
      });
      if (closed > 0) {
        metrics.revokedSockets.inc(closed);
        log.info({ closed }, 'closed websockets of revoked sessions');
      }
      return closed;
    })().finally(() => {
      sweeping = null;
    });
    return sweeping;
  };
  const revocationTimer =
    options.revocations && options.revocationCheckMs
      ? setInterval(() => {
          void checkRevocations().catch((error) => log.warn({ err: error }, 'websocket revocation check failed'));
        }, options.revocationCheckMs)
      : null;
  revocationTimer?.unref();
  const wss = new WebSocketServer({ server: options.httpServer, path: options.path, maxPayload: 256 * 1024 });

  wss.on('connection', (socket, request) => {
    const connection = new Connection(socket, options.sendQueue, metrics, log, clientIpOf(request, options.trustedProxies), options.idleTimeoutMs);
    connections.set(socket, connection);
    metrics.openSockets.inc();
    // Sees each message before graphql-ws does (registered first): a `complete` frees its slots at once.
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary || data.length > 1024 || !data.includes('"complete"')) return;
      try {
        const message = JSON.parse(data.toString()) as { type?: unknown; id?: unknown };
        if (message.type === 'complete' && typeof message.id === 'string') connection.completed(message.id);
      } catch {
        // graphql-ws answers malformed messages itself.
      }
    });
    socket.once('close', () => {
      connection.closed();
      signedIn.delete(connection);
      metrics.openSockets.dec();
      const key = connection.clientKey;
      if (key) {
        const left = (perClient.get(key) ?? 1) - 1;
        if (left > 0) perClient.set(key, left);
        else perClient.delete(key);
        if (!connection.viewer) anonymous -= 1;
      }
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
        const verified = await options.verifier.verify(raw || undefined);
        connection.viewer = verified?.viewer ?? null;
        connection.token = verified?.token ?? null;
        connection.expireAt(verified?.exp);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        connection.close(4403, `Forbidden: ${error.message}`);
        return false;
      }
      // Gone while its token was being checked: nothing may be counted for it (its close already ran).
      if (ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
      const key = connection.viewer ? `user:${connection.viewer.id}` : `ip:${connection.clientIp}`;
      if (!connection.viewer && anonymous >= options.maxAnonymousConnections) {
        connection.close(4429, 'Too many anonymous connections; sign in');
        return false;
      }
      if ((perClient.get(key) ?? 0) >= options.maxConnectionsPerClient) {
        connection.close(4429, `Too many connections for this client (at most ${options.maxConnectionsPerClient})`);
        return false;
      }
      perClient.set(key, (perClient.get(key) ?? 0) + 1);
      if (!connection.viewer) anonymous += 1;
      connection.clientKey = key;
      if (connection.token) signedIn.add(connection);
      return true;
    },
    onSubscribe: async (ctx, id, payload) => {
      const schema = options.schema();
      if (!schema) return [new GraphQLError('The gateway has not loaded its schema yet; retry shortly', { extensions: { code: 'SERVICE_UNAVAILABLE' } })];
      // Trusted-documents mode: the same policy as HTTP, before anything is parsed; the manifest's text runs.
      let query = payload.query;
      if (trustedDocuments) {
        const verdict = resolveTrustedDocument(trustedDocuments, payload.query, payload.extensions);
        if ('refusal' in verdict) {
          metrics.refusedUntrusted.inc();
          return [trustedDocumentRefusal(verdict.refusal)];
        }
        query = verdict.body;
      }
      let document: DocumentNode;
      try {
        document = parseWithinLimits(query, options.limits, parse);
      } catch (error) {
        if (error instanceof QueryTooComplexError) return [error];
        return withCode([error as GraphQLError], 'GRAPHQL_PARSE_FAILED');
      }
      // The HTTP path's limits, measured before validation (fragments once each).
      try {
        assertWithinLimits(document, schema, payload.variables, options.limits, options.costModel);
      } catch (error) {
        if (error instanceof QueryTooComplexError) return [error];
        throw error;
      }
      const invalid = validate(schema, document, specifiedRules);
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
      const slot = connection.reserve(options.maxSubscriptionsPerConnection, id);
      if (!slot) {
        return [
          new GraphQLError(`Too many subscriptions on this connection (at most ${options.maxSubscriptionsPerConnection}); complete one first`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
          }),
        ];
      }
      const variables = payload.variables ?? {};
      const contextValue: SubscriptionContext & { slot: Slot } = { viewer: connection.viewer, connection, variables, slot };
      return { schema, document, operationName: payload.operationName, variableValues: variables, contextValue };
    },
    // Our resolver returns the finished stream (a Channel of ExecutionResults), so no per-event execute follows.
    // The stream is bound to the slot reserved in onSubscribe, which it frees when it ends.
    subscribe: async (args: ExecutionArgs) => {
      const { connection, slot } = args.contextValue as SubscriptionContext & { connection: Connection; slot: Slot };
      let result: AsyncIterable<ExecutionResult> | ExecutionResult;
      try {
        result = (await createSourceEventStream({ ...args, subscribeFieldResolver: resolver })) as AsyncIterable<ExecutionResult> | ExecutionResult;
      } catch (error) {
        connection.release(slot);
        throw error;
      }
      if (!isAsyncIterable(result)) {
        connection.release(slot);
        return result;
      }
      return connection.attach(slot, result);
    },
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
    checkRevocations,
    async dispose() {
      if (revocationTimer) clearInterval(revocationTimer);
      for (const socket of wss.clients) socket.close(1001, 'Server shutting down');
      const deadline = Date.now() + 3000;
      while (wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
