import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { PaymentsContext } from '../context';
import { PaymentPayload } from '../types/payment-payload.type';
import { Payment } from '../types/payment.type';

/** The payment query and the admin refund. */
@Resolver(() => Payment)
export class PaymentResolver {
  @Query(() => Payment, { nullable: true, description: 'A payment by id: for the customer of its order or an ADMIN (others get FORBIDDEN); null when unknown.' })
  payment(@Arg('id', () => ID, { description: 'The payment id.' }) id: string, @Ctx() ctx: PaymentsContext): Promise<Payment | null> {
    return ctx.services.payments.paymentById(ctx, id);
  }

  @Mutation(() => PaymentPayload, {
    description:
      'Refunds a captured payment in part or in full through the provider; never more than was captured minus what is already refunded. The payment becomes REFUNDED once everything is refunded. ADMIN only.',
  })
  refundPayment(
    @Arg('paymentId', () => ID, { description: 'The payment to refund.' }) paymentId: string,
    @Arg('amount', () => Int, { nullable: true, description: 'Minor units to refund; omitted or null refunds everything not yet refunded.' })
    amount: number | null,
    @Ctx() ctx: PaymentsContext,
  ): Promise<PaymentPayload> {
    return ctx.services.payments.refundPayment(ctx, paymentId, amount ?? null);
  }
}
