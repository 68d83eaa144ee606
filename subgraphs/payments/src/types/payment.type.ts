import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Money, money } from '@shopgraph/kit';
import type { PaymentEntity } from '../entities/payment.entity';
import { Order } from './order.type';

/** Where a payment stands in its life. */
export enum PaymentStatus {
  PENDING = 'PENDING',
  AUTHORIZED = 'AUTHORIZED',
  CAPTURED = 'CAPTURED',
  DECLINED = 'DECLINED',
  FAILED = 'FAILED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(PaymentStatus, {
  name: 'PaymentStatus',
  description: 'Where a payment stands in its life.',
  valuesConfig: {
    PENDING: { description: 'Asked of the provider; no answer recorded yet.' },
    AUTHORIZED: { description: 'Authorized but not captured (only with providers that authorize first; the sandbox captures at once).' },
    CAPTURED: { description: 'The money was taken; refunds may follow (see refundedAmount).' },
    DECLINED: { description: 'The card was refused (see failureReason, e.g. card_declined). Final.' },
    FAILED: {
      description: 'The provider could not be reached or kept failing (see failureReason: provider_error, provider_timeout, provider_unavailable). Final.',
    },
    REFUNDED: { description: 'Everything captured has been refunded.' },
  },
});

@ObjectType({ description: "The payment of an order: what the provider was asked to charge, and what came of it." })
@Directive('@key(fields: "id")')
export class Payment {
  @Field(() => ID, { description: 'Stable unique id (uuid); also the idempotency key of the provider charge.' })
  id!: string;

  @Field(() => Order, { description: 'The order this payment pays for.' })
  order!: Order;

  @Field(() => Money, { description: 'The amount charged (or asked for).' })
  amount!: Money;

  @Field(() => PaymentStatus, { description: 'Where the payment stands.' })
  status!: PaymentStatus;

  @Field(() => String, { nullable: true, description: 'Brand of the card charged, e.g. "visa"; null until captured.' })
  cardBrand!: string | null;

  @Field(() => String, { nullable: true, description: 'Last four digits of the card charged; null until captured.' })
  cardLast4!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the payment was DECLINED or FAILED: the provider\'s decline code (card_declined, insufficient_funds) or provider_error, provider_timeout, provider_unavailable.',
  })
  failureReason!: string | null;

  @Field(() => Money, { description: 'How much of the amount the provider has refunded so far.' })
  refundedAmount!: Money;

  @Field(() => Date, { description: 'When the payment was requested.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the payment last changed.' })
  updatedAt!: Date;

  /** The order's customer, for authorization; not part of the API. */
  customerId!: string;
}

/** The API view of a stored payment. */
export function toPayment(row: PaymentEntity): Payment {
  const currency = row.currency.trim();
  return Object.assign(new Payment(), {
    id: row.id,
    order: Object.assign(new Order(), { id: row.orderId }),
    amount: money(row.amount, currency),
    status: row.status as PaymentStatus,
    cardBrand: row.cardBrand,
    cardLast4: row.cardLast4,
    failureReason: row.failureReason,
    refundedAmount: money(row.refundedAmount, currency),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    customerId: row.customerId,
  });
}
