import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { PaymentsContext } from '../context';
import { Order } from '../types/order.type';
import { Payment } from '../types/payment.type';

/** `Order.payment`, added by payments to the orders subgraph's Order (batched by order id). */
@Resolver(() => Order)
export class OrderPaymentResolver {
  @FieldResolver(() => Payment, {
    nullable: true,
    description: "The order's payment; null until payment is requested. For the order's customer or an ADMIN.",
  })
  async payment(@Root() order: Order, @Ctx() ctx: PaymentsContext): Promise<Payment | null> {
    const payment = await ctx.loaders.paymentByOrderId.load(order.id);
    return payment ? ctx.services.payments.visible(ctx, payment) : null;
  }
}
