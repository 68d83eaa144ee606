import DataLoader from 'dataloader';
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../context';
import { Order } from '../types/order.type';
import { RequestReturnInput, Return, ReturnConnection, ReturnPayload, ReturnStatus } from '../types/return.type';
import type { ReturnService } from '../services/return.service';

/** The returns service (wired in server.ts next to the others). */
const returnsOf = (ctx: OrdersContext): ReturnService => (ctx.services as OrdersContext['services'] & { returns: ReturnService }).returns;

/** Order.returns of every order of one request in one query. */
const loaders = new WeakMap<object, DataLoader<string, Return[]>>();
const orderReturns = (ctx: OrdersContext): DataLoader<string, Return[]> => {
  let loader = loaders.get(ctx);
  if (!loader) {
    loader = new DataLoader((orderIds) => returnsOf(ctx).ofOrders(orderIds));
    loaders.set(ctx, loader);
  }
  return loader;
};

/** Returns (api-next/fulfilment.graphql): asked for by the customer, decided and received by an ADMIN. */
@Resolver(() => Return)
export class ReturnResolver {
  @Query(() => ReturnConnection, { description: 'Every return, newest first, optionally only those in one status. ADMIN only.' })
  returns(
    @Arg('status', () => ReturnStatus, { nullable: true, description: 'Only returns in this status.' }) status: ReturnStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' }) after: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<ReturnConnection> {
    return returnsOf(ctx).list(ctx, status ?? null, first, after);
  }

  @Mutation(() => ReturnPayload, {
    description:
      'Asks to return delivered lines of your order, within 30 days of its delivery; RETURN_NOT_ALLOWED when the order is not delivered, the window has passed, or the lines were not bought or are already returned.',
  })
  requestReturn(@Arg('input', () => RequestReturnInput, { description: 'The order, the lines and why.' }) input: RequestReturnInput, @Ctx() ctx: OrdersContext): Promise<ReturnPayload> {
    return returnsOf(ctx).request(ctx, input);
  }

  @Mutation(() => ReturnPayload, { description: 'Accepts a REQUESTED return: the customer may send the goods back. ADMIN only.' })
  approveReturn(@Arg('id', () => ID, { description: 'The return.' }) id: string, @Ctx() ctx: OrdersContext): Promise<ReturnPayload> {
    return returnsOf(ctx).approve(ctx, id);
  }

  @Mutation(() => ReturnPayload, { description: 'Refuses a REQUESTED or APPROVED return, saying why. ADMIN only.' })
  rejectReturn(
    @Arg('id', () => ID, { description: 'The return.' }) id: string,
    @Arg('reason', () => String, { description: 'Why (1 to 1000 characters); shown to the customer.' }) reason: string,
    @Ctx() ctx: OrdersContext,
  ): Promise<ReturnPayload> {
    return returnsOf(ctx).reject(ctx, id, reason);
  }

  @Mutation(() => ReturnPayload, {
    description:
      'Records that the goods of an APPROVED return are back: RECEIVED with refundAmount set; the goods are restocked and the refund paid by events (REFUNDED once the payment provider refunded it). ADMIN only.',
  })
  receiveReturn(@Arg('id', () => ID, { description: 'The return.' }) id: string, @Ctx() ctx: OrdersContext): Promise<ReturnPayload> {
    return returnsOf(ctx).receive(ctx, id);
  }

  @FieldResolver(() => Order, { description: 'The order the goods came from.' })
  async order(@Root() ret: Return, @Ctx() ctx: OrdersContext): Promise<Order> {
    // A return's order always exists (foreign key); its reader is the order's customer or an ADMIN.
    return (await ctx.services.orders.order(ctx, await ctx.loaders.order.load(ret.orderId)))!;
  }
}

/** Order.returns. */
@Resolver(() => Order)
export class OrderReturnsResolver {
  @FieldResolver(() => [Return], { description: 'The returns asked for from this order, oldest first.' })
  returns(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<Return[]> {
    return orderReturns(ctx).load(order.id);
  }
}
