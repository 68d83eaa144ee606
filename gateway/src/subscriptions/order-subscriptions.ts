import { GraphQLError, type ExecutionResult, type GraphQLFieldResolver, type GraphQLFormattedError } from 'graphql';
import { forbidden, unauthenticated, type Logger, type Viewer } from '@shopgraph/kit';
import { Channel } from './channel';
import type { OrderEvent, OrderEventHub } from './order-hub';
import { buildOrderQuery, projectEvent, type OrderState, type StatusChange, type SubscriberSelection } from './order-query';
import type { SubscriptionMetrics } from './subscription.metrics';
import { VersionSequencer, type DeliveryKind, type OrderSnapshot, type SequencerPorts } from './version-sequencer';

/** Runs one query through the gateway (the whole supergraph) as `viewer`. */
export type GatewayExecutor = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer | null,
) => Promise<{ data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }>;

/** The socket a subscription lives on, as far as a subscription needs to know. */
export interface SubscriptionConnection {
  /** Counts this subscription's undelivered messages towards the socket's send queue; returns the untrack. */
  track(subscription: { backlog(): number }): () => void;
  /** Closes the socket when its send queue is over the limits. */
  checkPressure(): void;
}

/** Per-subscription context, built by the websocket server at subscribe time. */
export interface SubscriptionContext {
  viewer: Viewer | null;
  connection: SubscriptionConnection;
  /** The variables as the client sent them. */
  variables: Record<string, unknown>;
}

/** Why a message was sent and when its event was produced (for the latency histogram). */
export interface DeliveryMeta {
  kind: DeliveryKind;
  occurredAt?: string;
}

export interface OrderSubscriptionDeps {
  hub: OrderEventHub;
  execute: GatewayExecutor;
  metrics: SubscriptionMetrics;
  log: Logger;
  /** Filled for every result the subscriptions emit; read by the server when it sends it. */
  deliveries: WeakMap<ExecutionResult, DeliveryMeta>;
}

type QueryAnswer = Awaited<ReturnType<GatewayExecutor>>;

/**
 * The subscribe resolver of `orderStatusChanged(orderId)` and `myOrderUpdates`: authorizes,
 * builds the subscriber's `order(id)` query once, and returns a stream of OrderStatusEvent
 * results fed by the hub through one VersionSequencer per order. With `orderToken` (a guest's,
 * from placeOrder) `orderStatusChanged` needs no sign-in: the order is read as
 * `orderByToken(token)` and must be `orderId`; a wrong token is NOT_FOUND exactly like an order
 * that does not exist, so it reveals nothing.
 */
/**
 * Waits before re-reading a change's `order { … }` when the order itself could not be read (see
 * `orderUnreadable`): a replica of orders that died mid-read, or the breaker that such failures
 * opened (SUBGRAPH_BREAKER_RESET_MS, 5 s by default). The order's sequencer holds its later changes
 * meanwhile, so they still arrive once and in order; after the last wait the answer is delivered
 * as it is (with its errors).
 */
export const REREAD_DELAYS_MS = [200, 500, 1000, 2000, 3000];

/**
 * True when an answer lost the order as a whole to an unavailable subgraph: a root `order` field
 * (or all data) is missing and some error says SUBGRAPH_UNAVAILABLE. A subgraph that only
 * contributes fields under the order (products' names, say) leaves the order there: delivered at
 * once, partially, as before.
 */
export function orderUnreadable(answer: { data?: Record<string, unknown> | null; errors?: readonly GraphQLFormattedError[] }): boolean {
  const unavailable = (answer.errors ?? []).some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE');
  return unavailable && (!answer.data || Object.values(answer.data).some((value) => value === null || value === undefined));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function orderSubscriptionResolver(deps: OrderSubscriptionDeps): GraphQLFieldResolver<unknown, SubscriptionContext> {
  return async (_root, args, context, info) => {
    const viewer = context.viewer;
    if (info.fieldName !== 'orderStatusChanged' && info.fieldName !== 'myOrderUpdates') {
      throw new GraphQLError(`Subscription field "${info.fieldName}" is not served by this gateway`, { extensions: { code: 'BAD_REQUEST' } });
    }
    const orderToken = info.fieldName === 'orderStatusChanged' && args.orderToken != null ? String(args.orderToken) : null;
    if (!viewer && orderToken === null) {
      throw unauthenticated('Sign in to watch orders (send { authorization: "Bearer <access token>" } in connection_init), or pass the orderToken placeOrder gave a guest');
    }
    const selection: SubscriberSelection & { responseKey: string } = {
      schema: info.schema,
      fieldNodes: info.fieldNodes,
      fragments: info.fragments,
      operation: info.operation,
      variableValues: context.variables,
      responseKey: String(info.path.key),
    };
    const query = buildOrderQuery(selection, { byToken: orderToken !== null });
    const run = (text: string, orderId: string) => deps.execute(text, query.variables(orderToken ?? orderId), viewer);
    const notFound = (orderId: string) => new GraphQLError(`Order ${orderId} not found`, { extensions: { code: 'NOT_FOUND' } });

    const snapshotOf = (answer: QueryAnswer, orderId: string): OrderSnapshot<QueryAnswer> => {
      const state = answer.data?.[query.stateAlias] as OrderState | null | undefined;
      if (orderToken !== null) {
        // The token's order, and only if it is this one: any other outcome is "not found", nothing more.
        if (!state || state.id !== orderId) {
          if ((answer.errors ?? []).some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE')) {
            throw new GraphQLError(`Order ${orderId} cannot be read now: the orders service is unavailable; subscribe again later`, {
              extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
            });
          }
          throw notFound(orderId);
        }
        const errors = answer.errors?.filter((e) => e.path?.[0] !== query.stateAlias);
        return { version: state.version, history: state.history, order: { data: answer.data, errors } };
      }
      if (!viewer) throw unauthenticated();
      if (!state) {
        const codes = (answer.errors ?? []).map((e) => e.extensions?.code);
        if (codes.includes('FORBIDDEN')) throw forbidden(`You may not watch order ${orderId}: only its owner or an ADMIN may`);
        if (codes.includes('UNAUTHENTICATED')) throw unauthenticated();
        if (codes.includes('SUBGRAPH_UNAVAILABLE')) {
          throw new GraphQLError(`Order ${orderId} cannot be read now: the orders service is unavailable; subscribe again later`, {
            extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
          });
        }
        if (codes.length > 0) throw new Error(`order ${orderId} could not be loaded: ${answer.errors?.[0]?.message}`);
        throw notFound(orderId);
      }
      if (state.customer.id !== viewer.id && viewer.role !== 'ADMIN') {
        throw forbidden(`You may not watch order ${orderId}: only its owner or an ADMIN may`);
      }
      const errors = answer.errors?.filter((e) => e.path?.[0] !== query.stateAlias);
      return { version: state.version, history: state.history, order: { data: answer.data, errors } };
    };

    let sequencers: VersionSequencer<QueryAnswer>[] = [];
    let cleanup = () => undefined as void;
    const channel = new Channel<ExecutionResult>(() => cleanup());
    const field = info.fieldName;
    deps.metrics.activeSubscriptions.inc({ field });

    const portsFor = (orderId: string): SequencerPorts<QueryAnswer> => ({
      load: async () => snapshotOf(await run(query.withState, orderId), orderId),
      resolve: async () => {
        if (!query.selection) return { data: {} };
        for (let attempt = 0; ; attempt++) {
          const answer = await run(query.selection, orderId);
          if (attempt >= REREAD_DELAYS_MS.length || channel.isFinished || !orderUnreadable(answer)) return answer;
          deps.log.debug({ field, orderId, attempt: attempt + 1 }, 'order of a change unreadable (orders unavailable); reading it again');
          await sleep(REREAD_DELAYS_MS[attempt]);
        }
      },
      deliver: async (change: StatusChange & { occurredAt?: string }, answer: QueryAnswer, kind: DeliveryKind) => {
        if (channel.isFinished) return;
        const result = await projectEvent(selection, { change, orders: answer.data ?? null, errors: answer.errors });
        deps.deliveries.set(result, { kind, occurredAt: change.occurredAt });
        channel.push(result);
        context.connection.checkPressure();
      },
      fail: (error) => {
        deps.log.warn({ err: error, field, orderId }, 'order subscription ended: the order could not be re-read');
        const graphqlError = error instanceof GraphQLError ? error : new GraphQLError('Internal server error', { originalError: error as Error });
        channel.push({ errors: [graphqlError] });
        channel.end();
      },
    });

    const untrack = context.connection.track({
      backlog: () => channel.size + sequencers.reduce((sum, s) => sum + s.backlog, 0),
    });
    let unwatch: () => void;
    cleanup = () => {
      unwatch?.();
      untrack();
      for (const s of sequencers) s.close();
      sequencers = [];
      deps.metrics.activeSubscriptions.dec({ field });
    };

    if (field === 'orderStatusChanged') {
      const orderId = String(args.orderId);
      const afterVersion = resumeVersion(args.afterVersion);
      const sequencer = new VersionSequencer(portsFor(orderId));
      sequencers.push(sequencer);
      // Start before watching, in the same tick: events that arrive meanwhile queue behind the initial load.
      // A resuming client gets the versions it missed from the order's history (orders' database,
      // through the supergraph), not from this instance's memory: it may have been on another one.
      const ready =
        afterVersion === null
          ? sequencer.startFromCurrentState()
          : sequencer.resume((snapshot) => {
              if (afterVersion > snapshot.version) {
                throw new GraphQLError(`afterVersion ${afterVersion} is ahead of order ${orderId}, which is at version ${snapshot.version}`, {
                  extensions: { code: 'BAD_USER_INPUT' },
                });
              }
              return afterVersion;
            });
      unwatch = deps.hub.watchOrder(orderId, (event) => {
        sequencer.push(event.change);
        context.connection.checkPressure();
      });
      try {
        await ready;
      } catch (error) {
        await channel.return();
        throw error;
      }
    } else {
      const since = resumeInstant(args.since);
      const byOrder = new Map<string, VersionSequencer<QueryAnswer>>();
      const sequencerOf = (orderId: string) => {
        let sequencer = byOrder.get(orderId);
        if (!sequencer) {
          sequencer = new VersionSequencer(portsFor(orderId));
          byOrder.set(orderId, sequencer);
          sequencers.push(sequencer);
        }
        return sequencer;
      };
      // While the orders changed since `since` are being listed, live events wait here; then
      // each listed order resumes from its history first and the waiting events follow it.
      let waiting: OrderEvent[] | null = since ? [] : null;
      if (!viewer) throw unauthenticated();
      unwatch = deps.hub.watchCustomer(viewer.id, (event) => {
        if (waiting) {
          waiting.push(event);
          return;
        }
        sequencerOf(event.orderId).push(event.change);
        context.connection.checkPressure();
      });
      if (since) {
        try {
          const changed = await ordersChangedSince(deps.execute, viewer, since);
          for (const orderId of changed) {
            const sequencer = sequencerOf(orderId);
            // The last version made at or before `since` (history is oldest first, one row per version).
            // An order whose missed changes cannot be read ends the stream: skipping them would break the promise.
            sequencer.resume((snapshot) => snapshot.history.filter((entry) => Date.parse(entry.at) <= since.getTime()).length).catch((error) => portsFor(orderId).fail(error));
          }
        } catch (error) {
          await channel.return();
          throw error;
        }
        const queued = waiting ?? [];
        waiting = null;
        for (const event of queued) sequencerOf(event.orderId).push(event.change);
        context.connection.checkPressure();
      }
    }
    return channel;
  };
}

/** `afterVersion` as given (null when absent); a negative version is refused. */
function resumeVersion(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const version = Number(value);
  if (!Number.isInteger(version) || version < 0) {
    throw new GraphQLError('afterVersion must be 0 or more: the last version of the order you received', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return version;
}

/** `since` as an instant (null when absent); anything but a date-time is refused. */
function resumeInstant(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  const at = value instanceof Date ? value : new Date(String(value));
  if (Number.isNaN(at.getTime())) {
    throw new GraphQLError('since must be an ISO 8601 date-time, e.g. "2026-01-31T12:00:00Z"', { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return at;
}

/** How many of a user's orders `myOrderUpdates(since)` looks through (pages of 100, newest first). */
export const RESUME_MAX_ORDERS = 2000;

const ORDERS_PAGE = `query MyOrdersChangedSince($after: String) {
  me { orders(first: 100, after: $after) { edges { node { id updatedAt } } pageInfo { hasNextPage endCursor } } }
}`;

interface OrdersPage {
  me: { orders: { edges: { node: { id: string; updatedAt: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null } | null;
}

/**
 * The viewer's orders that changed after `since`, read through the supergraph (the orders
 * subgraph's database, whichever gateway instance asks). Every page is read, since an old order
 * can change late (shipped, refunded); more than RESUME_MAX_ORDERS is refused rather than cut short.
 */
async function ordersChangedSince(execute: GatewayExecutor, viewer: Viewer, since: Date): Promise<string[]> {
  const changed: string[] = [];
  let after: string | null = null;
  for (let seen = 0; ; ) {
    const answer = await execute(ORDERS_PAGE, { after }, viewer);
    const page = (answer.data as OrdersPage | null | undefined)?.me?.orders;
    if (!page) {
      const unavailable = (answer.errors ?? []).some((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE');
      throw new GraphQLError(
        unavailable ? 'Your orders cannot be read now: the orders service is unavailable; subscribe again later' : 'Your orders could not be read to resume from `since`',
        { extensions: { code: unavailable ? 'SUBGRAPH_UNAVAILABLE' : 'INTERNAL_SERVER_ERROR' } },
      );
    }
    for (const { node } of page.edges) {
      if (Date.parse(node.updatedAt) > since.getTime()) changed.push(node.id);
    }
    seen += page.edges.length;
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return changed;
    if (seen >= RESUME_MAX_ORDERS) {
      throw new GraphQLError(`Too many orders to resume from \`since\` (more than ${RESUME_MAX_ORDERS}); resume each order with orderStatusChanged(afterVersion)`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
    after = page.pageInfo.endCursor;
  }
}
