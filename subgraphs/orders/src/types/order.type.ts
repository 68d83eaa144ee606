import { Field, ID, Int, ObjectType, registerEnumType, Directive } from 'type-graphql';
import { CANCELLATION_REASON_ENUM, CancellationReasonEnum, type CancellationReason as CancellationReasonValue } from '@shopgraph/events';
import { Money, PageInfo, UserError } from '@shopgraph/kit';
import { Product, ProductVariant } from './product.type';

/** Where an order is in its life; see the saga in services/order-saga.ts. */
export enum OrderStatus {
  PENDING = 'PENDING',
  AWAITING_PAYMENT = 'AWAITING_PAYMENT',
  CONFIRMED = 'CONFIRMED',
  SHIPPED = 'SHIPPED',
  DELIVERED = 'DELIVERED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(OrderStatus, {
  name: 'OrderStatus',
  description: 'Where an order is in its life.',
  valuesConfig: {
    PENDING: { description: 'Placed; stock reservation requested.' },
    AWAITING_PAYMENT: { description: 'Stock reserved; payment requested.' },
    CONFIRMED: { description: 'Payment captured; stock committed.' },
    SHIPPED: { description: 'Handed to the carrier.' },
    DELIVERED: { description: 'Received by the customer.' },
    CANCELLED: { description: 'Cancelled (see cancellationReason): reserved stock released, payment refunded if taken.' },
  },
});

/** Why an order was cancelled: the values of CANCELLATION_REASONS (@shopgraph/events), the one vocabulary. */
export const CancellationReason = CancellationReasonEnum;
export type CancellationReason = CancellationReasonValue;
registerEnumType(CancellationReason, CANCELLATION_REASON_ENUM);

@ObjectType({ description: 'A delivery address, copied onto the order when it was placed.' })
export class ShippingAddress {
  @Field(() => String, { description: 'Who receives the delivery.' })
  recipient!: string;

  @Field(() => String, { description: 'Street address, first line.' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Street address, second line.' })
  line2?: string | null;

  @Field(() => String, { description: 'City or locality.' })
  city!: string;

  @Field(() => String, { nullable: true, description: 'State, province or region.' })
  region?: string | null;

  @Field(() => String, { description: 'Postal or ZIP code.' })
  postalCode!: string;

  @Field(() => String, { description: 'ISO-3166-1 alpha-2 country code, e.g. "US".' })
  country!: string;
}

@ObjectType({ description: 'A line of an order, priced as it was when the order was placed.' })
export class OrderItem {
  @Field(() => Product, {
    nullable: true,
    description:
      'The product ordered. Null when the catalog no longer has it or cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so); productName and unitPrice keep what was ordered.',
  })
  product!: Product | null;

  @Field(() => ProductVariant, {
    nullable: true,
    description: 'The variant ordered (a product without options: its default variant). Null only if the variant no longer exists; sku and variantTitle keep what was ordered.',
  })
  variant!: ProductVariant | null;

  @Field(() => String, { description: 'The variant\'s sku when the order was placed (empty for a line placed before variants whose sku the shop did not know).' })
  sku!: string;

  @Field(() => String, { description: 'The variant\'s title when the order was placed ("M / Red"; the product\'s name for a default variant).' })
  variantTitle!: string;

  @Field(() => String, { description: 'The product\'s name when the order was placed.' })
  productName!: string;

  @Field(() => Money, { description: 'The product\'s price when the order was placed.' })
  unitPrice!: Money;

  @Field(() => Int, { description: 'How many were ordered (1 to 99).' })
  quantity!: number;

  @Field(() => Money, { description: 'unitPrice × quantity.' })
  lineTotal!: Money;
}

@ObjectType({ description: 'One step in an order\'s history.' })
export class OrderStatusChange {
  @Field(() => OrderStatus, { description: 'The status the order entered.' })
  status!: OrderStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Why, when there is a reason. For CANCELLED: the CancellationReason; for TIMED_OUT followed by the step that timed out ("TIMED_OUT: stock reservation", "TIMED_OUT: payment").',
  })
  reason?: string | null;

  @Field(() => Date, { description: 'When it entered it.' })
  at!: Date;
}

@ObjectType({ description: 'An order placed by a customer. Its status moves on as stock is reserved and payment is taken.' })
@Directive('@key(fields: "id")')
export class Order {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { description: 'Human-friendly unique number, e.g. "SG-000123".' })
  number!: string;

  @Field(() => OrderStatus, { description: 'Where the order is now.' })
  status!: OrderStatus;

  @Field(() => CancellationReason, { nullable: true, description: 'Why it was cancelled; null unless status is CANCELLED.' })
  cancellationReason?: CancellationReason | null;

  @Field(() => Money, { description: 'Sum of the line totals.' })
  subtotal!: Money;

  @Field(() => Money, { description: 'What the customer pays (equal to subtotal: no shipping or tax yet).' })
  total!: Money;

  @Field(() => ShippingAddress, { description: 'Where it is delivered.' })
  shippingAddress!: ShippingAddress;

  @Field(() => Int, { description: 'Increases by one on every status change, starting at 1.' })
  version!: number;

  @Field(() => Date, { description: 'When the order was placed.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When the order last changed.' })
  updatedAt!: Date;

  /** Not a field: the buyer's id, for `customer` and authorization. */
  customerId!: string;

  /** Not a field: the order's currency, for item prices. */
  currency!: string;
}

@ObjectType({ description: 'An order in a page, with its cursor.' })
export class OrderEdge {
  @Field(() => String, { description: 'Opaque cursor of this order; pass it as `after` for the next page.' })
  cursor!: string;

  @Field(() => Order, { description: 'The order.' })
  node!: Order;
}

@ObjectType({ description: 'A page of orders, newest first.' })
export class OrderConnection {
  @Field(() => [OrderEdge], { description: 'The orders of this page, in order.' })
  edges!: OrderEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many orders match, across all pages.' })
  totalCount!: number;
}

@ObjectType({ description: 'Result of an order mutation: the order, and what went wrong if anything.' })
export class OrderPayload {
  @Field(() => Order, { nullable: true, description: 'The order (null when it was not placed or not found).' })
  order?: Order | null;

  @Field(() => [UserError], { description: 'Why the request was refused (empty on success).' })
  errors!: UserError[];
}

@ObjectType({ description: 'An event on an order\'s life, pushed to subscribers in `version` order, at most once each.' })
export class OrderStatusEvent {
  @Field(() => Order, { description: 'The order, resolved through the whole supergraph like a query.' })
  order!: Order;

  @Field(() => OrderStatus, { description: 'The status the order entered.' })
  status!: OrderStatus;

  @Field(() => OrderStatus, { nullable: true, description: 'The status it left (null when the order was just placed).' })
  previousStatus?: OrderStatus | null;

  @Field(() => String, { nullable: true, description: 'Why, when there is a reason (for CANCELLED: the CancellationReason).' })
  reason?: string | null;

  @Field(() => Int, { description: 'The order\'s version after this change.' })
  version!: number;

  @Field(() => Date, { description: 'When the change happened.' })
  at!: Date;
}
