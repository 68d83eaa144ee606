import { GraphQLError } from 'graphql';
import { Arg, ID, Int, Resolver, Subscription } from 'type-graphql';
import { OrderStatusEvent } from '../types/order.type';

const servedByGateway = (): never => {
  throw new GraphQLError('Subscriptions are served by the gateway over graphql-ws, not by the orders subgraph', {
    extensions: { code: 'BAD_REQUEST' },
  });
};

/**
 * Declares the order subscriptions so they are part of the composed API schema. The gateway
 * serves them over graphql-ws from orders.v1; this subgraph never does.
 */
@Resolver()
export class SubscriptionResolver {
  @Subscription(() => OrderStatusEvent, {
    subscribe: servedByGateway,
    description:
      'Changes of one order, for its customer or an ADMIN (or a guest holding its orderToken): first its current state (or, with `afterVersion`, every change after that version, from the order\'s history), then every later change in version order, each version exactly once.',
  })
  orderStatusChanged(
    @Arg('orderId', () => ID, { description: 'The order to follow.' }) _orderId: string,
    @Arg('afterVersion', () => Int, {
      nullable: true,
      description:
        'Resume: the last version this client saw. Every change after it is sent first, in order, then live ones; nothing at or before it is sent again. Omit it to get the current state first.',
    })
    _afterVersion?: number | null,
    @Arg('orderToken', () => String, {
      nullable: true,
      description:
        'A guest\'s orderToken (from placeOrder): follow this order without signing in. A token that is not this order\'s gets NOT_FOUND, exactly like an order that does not exist.',
    })
    _orderToken?: string | null,
  ): OrderStatusEvent {
    return servedByGateway();
  }

  @Subscription(() => OrderStatusEvent, {
    subscribe: servedByGateway,
    description:
      'Every change to any order of the signed-in user, in version order per order. With `since`, first every change made after that instant (from the orders\' histories), then live ones.',
  })
  myOrderUpdates(
    @Arg('since', () => Date, {
      nullable: true,
      description: 'Resume: changes made after this instant are sent first (per order in version order), then live ones. Omit it for live changes only.',
    })
    _since?: Date | null,
  ): OrderStatusEvent {
    return servedByGateway();
  }
}
