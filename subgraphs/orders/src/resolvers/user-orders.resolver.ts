import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../context';
import { OrderConnection } from '../types/order.type';
import { User } from '../types/user.type';

/** The field orders adds to the users subgraph's User, batched per request. */
@Resolver(() => User)
export class UserOrdersResolver {
  @FieldResolver(() => OrderConnection, {
    nullable: true,
    description:
      'Orders the user placed, newest first. Only the user themself or an ADMIN; others get FORBIDDEN. Null only when the orders service cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so).',
  })
  orders(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' }) after: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<OrderConnection> {
    const page = ctx.services.orders.userOrdersArgs(ctx, user.id, first, after);
    return ctx.loaders.customerOrders.load({ customerId: user.id, ...page });
  }
}
