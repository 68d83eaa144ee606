import type { GraphQLSchema } from 'graphql';
import type { PubSub } from 'type-graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { OrdersContext } from './context';
import { CartResolver } from './resolvers/cart.resolver';
import { CheckoutResolver, GuestOrderResolver, OrderBreakdownResolver } from './resolvers/checkout.resolver';
import { OrderResolver } from './resolvers/order.resolver';
import { OrderReturnsResolver, ReturnResolver } from './resolvers/return.resolver';
import { SubscriptionResolver } from './resolvers/subscription.resolver';
import { UserOrdersResolver } from './resolvers/user-orders.resolver';
import { Order } from './types/order.type';
import { productRef, variantRef } from './types/product.type';
import { userRef } from './types/user.type';

// type-graphql insists on a PubSub once a Subscription exists; the subgraph never publishes.
const noPubSub: PubSub = {
  publish: () => undefined,
  subscribe: () => {
    throw new Error('the orders subgraph serves no subscriptions');
  },
};

/**
 * The orders subgraph schema. Order references load through the per-request batching loader and
 * resolve only for the order's customer or an ADMIN (FORBIDDEN for others, like order(id));
 * Product and User references need no lookup here and become stubs.
 */
export function buildOrdersSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [CartResolver, OrderResolver, UserOrdersResolver, SubscriptionResolver, CheckoutResolver, OrderBreakdownResolver, ReturnResolver, OrderReturnsResolver, GuestOrderResolver], orphanedTypes: [Order], pubSub: noPubSub },
    {
      Order: {
        // The same owner check as order(id): an Order reference is the customer's or an ADMIN's to read.
        __resolveReference: async (ref: { id: unknown }, ctx: OrdersContext) => ctx.services.orders.order(ctx, await ctx.loaders.order.load(String(ref.id))),
      },
      // A Return reference: its customer's or an ADMIN's to read (FORBIDDEN for others), null when there is none.
      Return: { __resolveReference: (ref: { id: unknown }, ctx: OrdersContext) => ctx.services.returns!.referenced(ctx, String(ref.id)) },
      Product: { __resolveReference: (ref: { id: unknown }) => productRef(String(ref.id)) },
      ProductVariant: { __resolveReference: (ref: { id: unknown }) => variantRef(String(ref.id)) },
      User: { __resolveReference: (ref: { id: unknown }) => userRef(String(ref.id)) },
    },
  );
}
