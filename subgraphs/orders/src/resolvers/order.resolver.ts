import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { OrdersContext } from '../context';
import { toOrderItem, toStatusChange } from '../types/order.mapper';
import { OrderFilter, PlaceOrderInput } from '../types/order.input';
import { Order, OrderConnection, OrderItem, OrderPayload, OrderStatusChange } from '../types/order.type';
import { User, userRef } from '../types/user.type';

/** Orders: placing, reading, cancelling, shipping. */
@Resolver(() => Order)
export class OrderResolver {
  @Query(() => Order, { nullable: true, description: 'An order, for its customer or an ADMIN (others: FORBIDDEN); null when there is none.' })
  async order(@Arg('id', () => ID, { description: 'The order\'s id.' }) id: string, @Ctx() ctx: OrdersContext): Promise<Order | null> {
    return ctx.services.orders.order(ctx, await ctx.loaders.order.load(id));
  }

  @Query(() => OrderConnection, { description: 'Every order, newest first. ADMIN only.' })
  orders(
    @Arg('filter', () => OrderFilter, { nullable: true, description: 'Only orders matching this.' }) filter: OrderFilter | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' }) after: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<OrderConnection> {
    return ctx.services.orders.list(ctx, { status: filter?.status ?? null, customerId: filter?.customerId ?? null }, first, after);
  }

  @Mutation(() => OrderPayload, {
    description: 'Places an order (from the given lines, or the cart) and returns it at once as PENDING; stock and payment follow. Signed in.',
  })
  placeOrder(@Arg('input', () => PlaceOrderInput, { description: 'What to order, where to, and how to pay.' }) input: PlaceOrderInput, @Ctx() ctx: OrdersContext): Promise<OrderPayload> {
    return ctx.services.orders.placeOrder(ctx, input);
  }

  @Mutation(() => OrderPayload, { description: 'Cancels an order: its customer before it ships, or an ADMIN. Reserved stock is released and payment refunded.' })
  cancelOrder(@Arg('id', () => ID, { description: 'The order to cancel.' }) id: string, @Ctx() ctx: OrdersContext): Promise<OrderPayload> {
    return ctx.services.orders.cancelOrder(ctx, id);
  }

  @Mutation(() => OrderPayload, { description: 'Marks a CONFIRMED order as SHIPPED. ADMIN only.' })
  markOrderShipped(@Arg('id', () => ID, { description: 'The order that shipped.' }) id: string, @Ctx() ctx: OrdersContext): Promise<OrderPayload> {
    return ctx.services.orders.markShipped(ctx, id);
  }

  @Mutation(() => OrderPayload, { description: 'Marks a SHIPPED order as DELIVERED. ADMIN only.' })
  markOrderDelivered(@Arg('id', () => ID, { description: 'The order that was delivered.' }) id: string, @Ctx() ctx: OrdersContext): Promise<OrderPayload> {
    return ctx.services.orders.markDelivered(ctx, id);
  }

  @FieldResolver(() => User, { description: 'Who placed the order.' })
  customer(@Root() order: Order): User {
    return userRef(order.customerId);
  }

  @FieldResolver(() => [OrderItem], { description: 'The lines, as priced when the order was placed.' })
  async items(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<OrderItem[]> {
    return (await ctx.loaders.orderItems.load(order.id)).map((row) => toOrderItem(row, order.currency));
  }

  @FieldResolver(() => [OrderStatusChange], { description: 'Every status the order went through, oldest first.' })
  async history(@Root() order: Order, @Ctx() ctx: OrdersContext): Promise<OrderStatusChange[]> {
    return (await ctx.loaders.orderHistory.load(order.id)).map(toStatusChange);
  }
}
