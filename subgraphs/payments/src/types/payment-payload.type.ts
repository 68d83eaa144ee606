import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Payment } from './payment.type';

@ObjectType({ description: 'Result of refundPayment: the payment after the refund, or why it was refused.' })
export class PaymentPayload {
  @Field(() => Payment, { nullable: true, description: 'The payment as it is now (also set with some errors, e.g. a refund the provider has not confirmed yet).' })
  payment!: Payment | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(payment: Payment, ...errors: UserError[]): PaymentPayload {
    return Object.assign(new PaymentPayload(), { payment, errors });
  }

  static failed(...errors: UserError[]): PaymentPayload {
    return Object.assign(new PaymentPayload(), { payment: null, errors });
  }
}
