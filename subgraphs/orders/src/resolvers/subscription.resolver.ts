import { GraphQLError } from 'graphql';
import { Arg, ID, Resolver, Subscription } from 'type-graphql';
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
    description: 'Changes of one order, for its customer or an ADMIN: first its current state, then every later change in version order.',
  })
  orderStatusChanged(@Arg('orderId', () => ID, { description: 'The order to follow.' }) _orderId: string): OrderStatusEvent {
    return servedByGateway();
  }

  @Subscription(() => OrderStatusEvent, {
    subscribe: servedByGateway,
    description: 'Every change to any order of the signed-in user, in version order per order.',
  })
  myOrderUpdates(): OrderStatusEvent {
    return servedByGateway();
  }
}
