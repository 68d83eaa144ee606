import { Directive, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Money, PageInfo, UserError, UserErrorCode } from '@shopgraph/kit';
import { Order } from './order.type';
import { Product, ProductVariant } from './product.type';

/** RETURN_NOT_ALLOWED (api-next/fulfilment.graphql: `extend enum UserErrorCode`), in the kit's enum. */
export const RETURN_NOT_ALLOWED = UserErrorCode.RETURN_NOT_ALLOWED;

export enum ReturnStatus {
  REQUESTED = 'REQUESTED',
  APPROVED = 'APPROVED',
  REJECTED = 'REJECTED',
  RECEIVED = 'RECEIVED',
  REFUNDED = 'REFUNDED',
}
registerEnumType(ReturnStatus, {
  name: 'ReturnStatus',
  description: 'Where a return is: the customer asks, an ADMIN approves (or rejects) and receives the goods, the refund follows.',
  valuesConfig: {
    REQUESTED: { description: 'Asked for by the customer; waiting for an ADMIN.' },
    APPROVED: { description: 'Accepted: the customer may send the goods back.' },
    REJECTED: { description: 'Refused (see rejectionReason); its lines may be asked for again.' },
    RECEIVED: { description: 'The goods are back: restocked, and the refund (refundAmount) is under way.' },
    REFUNDED: { description: 'The payment provider refunded refundAmount.' },
  },
});

@ObjectType({ description: 'A line of a return: a product (variant) of the order and how many units come back.' })
export class ReturnLine {
  @Field(() => Product, { description: 'The product returned.' })
  product!: Product;

  @Field(() => ProductVariant, { description: 'The variant returned (the product\'s default variant for a product without options).' })
  variant!: ProductVariant;

  @Field(() => Int, { description: 'How many units.' })
  quantity!: number;
}

@ObjectType({
  description:
    'A return of delivered lines of an order. Refund rule: each returned line refunds what was paid for it — its price less its share of the order\'s discounts, plus its tax — pro rata per unit (rounded half-even, so all units of a line together refund exactly what the line cost). Shipping is not refunded, unless the return brings the whole order back: then the rest of the order\'s total, shipping and its tax included, is refunded.',
})
@Directive('@key(fields: "id")')
export class Return {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => Order, { description: 'The order the goods came from.' })
  order!: Order;

  @Field(() => [ReturnLine], { description: 'What comes back.' })
  lines!: ReturnLine[];

  @Field(() => String, { description: 'Why, in the customer\'s words.' })
  reason!: string;

  @Field(() => ReturnStatus, { description: 'Where the return is now.' })
  status!: ReturnStatus;

  @Field(() => String, { nullable: true, description: 'Why an ADMIN rejected it; null unless REJECTED.' })
  rejectionReason?: string | null;

  @Field(() => Money, { nullable: true, description: 'What is refunded (see the refund rule above): set when RECEIVED, paid when REFUNDED; null before.' })
  refundAmount?: Money | null;

  @Field(() => Date, { description: 'When the customer asked.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  /** Not a field: the order's id and customer, for `order` and authorization. */
  orderId!: string;
  customerId!: string;
}

@ObjectType({ description: 'A return in a page, with its cursor.' })
export class ReturnEdge {
  @Field(() => String, { description: 'Opaque cursor of this return; pass it as `after` for the next page.' })
  cursor!: string;

  @Field(() => Return, { description: 'The return.' })
  node!: Return;
}

@ObjectType({ description: 'A page of returns, newest first.' })
export class ReturnConnection {
  @Field(() => [ReturnEdge], { description: 'The returns of this page, in order.' })
  edges!: ReturnEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many returns match, across all pages.' })
  totalCount!: number;
}

@ObjectType({ description: 'Result of a return mutation: the return, and what went wrong if anything.' })
export class ReturnPayload {
  @Field(() => Return, { nullable: true, description: 'The return (null when it was refused or not found).' })
  return?: Return | null;

  @Field(() => [UserError], { description: 'Why the request was refused (empty on success).' })
  errors!: UserError[];
}

@InputType({ description: 'A line of the order to return and how many units.' })
export class ReturnLineInput {
  @Field(() => ID, { description: 'The product, as on the order.' })
  productId!: string;

  @Field(() => ID, { nullable: true, description: 'The variant, as on the order (needed only when the order holds several variants of the product).' })
  variantId?: string | null;

  @Field(() => Int, { description: 'How many units (at least 1; at most what was bought less what other returns hold).' })
  quantity!: number;
}

@InputType({ description: 'A return of delivered lines of one of your orders, within 30 days of delivery.' })
export class RequestReturnInput {
  @Field(() => ID, { description: 'The order (yours, DELIVERED within the last 30 days).' })
  orderId!: string;

  @Field(() => [ReturnLineInput], { description: 'What to return (at least one line).' })
  lines!: ReturnLineInput[];

  @Field(() => String, { description: 'Why (1 to 1000 characters).' })
  reason!: string;
}
