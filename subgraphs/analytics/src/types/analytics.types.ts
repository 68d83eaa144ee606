import { Directive, Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money } from '@shopgraph/kit';
import { CANCELLATION_REASON_ENUM, CancellationReasonEnum, type CancellationReason as CancellationReasonValue } from '@shopgraph/events';

/** How long each bucket of a sales report is. */
export enum ReportInterval {
  MINUTE = 'MINUTE',
  HOUR = 'HOUR',
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(ReportInterval, {
  name: 'ReportInterval',
  description: 'The length of a sales report bucket, in UTC (weeks start on Monday).',
});

/** Why an order was cancelled (the vocabulary of @shopgraph/events; the same enum as orders'). */
export const CancellationReason = CancellationReasonEnum;
export type CancellationReason = CancellationReasonValue;
registerEnumType(CancellationReason, CANCELLATION_REASON_ENUM);

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id", resolvable: false)')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

@ObjectType({ description: 'The shop\'s sales in one period of a report, by when each fact happened (not when it was reported).' })
export class SalesBucket {
  @Field(() => Date, { description: 'Start of the bucket (inclusive): the period\'s start, or the report\'s `from` (taken down to the minute) for the first one.' })
  start!: Date;

  @Field(() => Date, { description: 'End of the bucket (exclusive): the next period\'s start, or the report\'s `to` (taken up to the minute) for the last one.' })
  end!: Date;

  @Field(() => Int, { description: 'Orders placed in the bucket.' })
  ordersPlaced!: number;

  @Field(() => Int, { description: 'Orders confirmed (paid and stock committed) in the bucket.' })
  ordersConfirmed!: number;

  @Field(() => Int, { description: 'Orders cancelled in the bucket, for any reason.' })
  ordersCancelled!: number;

  @Field(() => Int, { description: 'Units of the orders confirmed in the bucket.' })
  itemsSold!: number;

  @Field(() => Money, { description: 'Payments captured in the bucket.' })
  revenue!: Money;

  @Field(() => Money, { description: 'Money refunded in the bucket.' })
  refunds!: Money;

  @Field(() => Money, { description: 'revenue minus refunds.' })
  netRevenue!: Money;

  @Field(() => Money, { nullable: true, description: 'The mean total of the orders confirmed in the bucket; null when none was confirmed.' })
  averageOrderValue!: Money | null;
}

@ObjectType({ description: 'What one product sold in a time range (orders confirmed in it).' })
export class ProductSales {
  @Field(() => Product, { description: 'The product, resolved through the supergraph.' })
  product!: Product;

  @Field(() => Int, { description: 'Units in orders confirmed in the range.' })
  unitsSold!: number;

  @Field(() => Money, { description: 'Those units at the unit price they were ordered at.' })
  revenue!: Money;
}

@ObjectType({ description: 'How many shoppers went from a cart to a confirmed order in a time range.' })
export class CheckoutFunnel {
  @Field(() => Int, { description: 'Carts created (a first line added to an empty cart).' })
  cartsCreated!: number;

  @Field(() => Int, { description: 'Orders placed.' })
  ordersPlaced!: number;

  @Field(() => Int, { description: 'Orders confirmed.' })
  ordersConfirmed!: number;

  @Field(() => Float, { description: 'ordersConfirmed / cartsCreated; 0 when no cart was created.' })
  conversionRate!: number;
}

@ObjectType({ description: 'How many orders were cancelled for one reason in a time range.' })
export class CancellationCount {
  @Field(() => CancellationReason, { description: 'Why they were cancelled.' })
  reason!: CancellationReason;

  @Field(() => Int, { description: 'How many.' })
  count!: number;
}
