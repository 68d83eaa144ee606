import { GraphQLError, type ExecutionResult, type GraphQLFieldResolver, type GraphQLFormattedError } from 'graphql';
import { forbidden, unauthenticated, type Logger, type Viewer } from '@shopgraph/kit';
import { Channel } from './channel';
import type { OrderEventHub } from './order-hub';
import { buildOrderQuery, projectEvent, type OrderState, type StatusChange, type SubscriberSelection } from './order-query';
import type { SubscriptionMetrics } from './subscription.metrics';
import { VersionSequencer, type DeliveryKind, type OrderSnapshot, type SequencerPorts } from './version-sequencer';

/** Runs one query through the gateway (the whole supergraph) as `viewer`. */
export type GatewayExecutor = (
  query: string,
  variables: Record<string, unknown>,
  viewer: Viewer,
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
 * results fed by the hub through one VersionSequencer per order.
 */
export function orderSubscriptionResolver(deps: OrderSubscriptionDeps): GraphQLFieldResolver<unknown, SubscriptionContext> {
  return async (_root, args, context, info) => {
    const viewer = context.viewer;
    if (!viewer) throw unauthenticated('Sign in to watch orders: send { authorization: "Bearer <access token>" } in connection_init');
    if (info.fieldName !== 'orderStatusChanged' && info.fieldName !== 'myOrderUpdates') {
      throw new GraphQLError(`Subscription field "${info.fieldName}" is not served by this gateway`, { extensions: { code: 'BAD_REQUEST' } });
    }
    const selection: SubscriberSelection & { responseKey: string } = {
      schema: info.schema,
      fieldNodes: info.fieldNodes,
      fragments: info.fragments,
      operation: info.operation,
      variableValues: context.variables,
      responseKey: String(info.path.key),
    };
    const query = buildOrderQuery(selection);
    const run = (text: string, orderId: string) => deps.execute(text, query.variables(orderId), viewer);

    const snapshotOf = (answer: QueryAnswer, orderId: string): OrderSnapshot<QueryAnswer> => {
      const state = answer.data?.[query.stateAlias] as OrderState | null | undefined;
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
        throw new GraphQLError(`Order ${orderId} not found`, { extensions: { code: 'NOT_FOUND' } });
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
      resolve: async () => (query.selection ? run(query.selection, orderId) : { data: {} }),
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
      const sequencer = new VersionSequencer(portsFor(orderId));
      sequencers.push(sequencer);
      // Start before watching, in the same tick: events that arrive meanwhile queue behind the initial load.
      const ready = sequencer.startFromCurrentState();
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
      const byOrder = new Map<string, VersionSequencer<QueryAnswer>>();
      unwatch = deps.hub.watchCustomer(viewer.id, (event) => {
        let sequencer = byOrder.get(event.orderId);
        if (!sequencer) {
          sequencer = new VersionSequencer(portsFor(event.orderId));
          byOrder.set(event.orderId, sequencer);
          sequencers.push(sequencer);
        }
        sequencer.push(event.change);
        context.connection.checkPressure();
      });
    }
    return channel;
  };
}
