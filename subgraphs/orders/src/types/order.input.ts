import { Field, ID, InputType, Int } from 'type-graphql';
import { OrderStatus } from './order.type';

// Same fields and descriptions as the users subgraph's AddressInput: federation composes input
// types from the fields every subgraph declares, so they must match. label and isDefault are ignored here.
@InputType({ description: 'A new address for the signed-in user.' })
export class AddressInput {
  @Field(() => String, { nullable: true, description: 'Optional name for the address, e.g. "Home" (at most 50 characters).' })
  label?: string | null;

  @Field(() => String, { description: 'Who receives deliveries here (1 to 100 characters).' })
  recipient!: string;

  @Field(() => String, { description: 'Street address, first line (1 to 200 characters).' })
  line1!: string;

  @Field(() => String, { nullable: true, description: 'Street address, second line (at most 200 characters).' })
  line2?: string | null;

  @Field(() => String, { description: 'City or locality (1 to 100 characters).' })
  city!: string;

  @Field(() => String, { nullable: true, description: 'State, province or region (at most 100 characters).' })
  region?: string | null;

  @Field(() => String, { description: 'Postal or ZIP code (1 to 20 characters).' })
  postalCode!: string;

  @Field(() => String, { description: 'ISO-3166-1 alpha-2 country code, e.g. "US" (case-insensitive).' })
  country!: string;

  @Field(() => Boolean, { nullable: true, description: "Make it the default address. A user's first address is always the default." })
  isDefault?: boolean | null;
}

@InputType({ description: 'A product and how many of it to order.' })
export class OrderLineInput {
  @Field(() => ID, { description: 'The product to order.' })
  productId!: string;

  @Field(() => Int, { description: 'How many (1 to 99; lines of the same product are added up).' })
  quantity!: number;
}

@InputType({ description: 'Everything needed to place an order.' })
export class PlaceOrderInput {
  @Field(() => String, { description: 'Client-chosen key: the same key from the same user returns the same order, never a second one.' })
  idempotencyKey!: string;

  @Field(() => [OrderLineInput], { nullable: true, description: 'The lines to order; omitted: check out the current cart (emptied once the order exists).' })
  items?: OrderLineInput[] | null;

  @Field(() => AddressInput, { description: 'Where to deliver.' })
  shippingAddress!: AddressInput;

  @Field(() => String, { description: 'Payment provider token, e.g. "tok_visa"; never a raw card number.' })
  paymentToken!: string;
}

@InputType({ description: 'Narrows the list of orders.' })
export class OrderFilter {
  @Field(() => OrderStatus, { nullable: true, description: 'Only orders in this status.' })
  status?: OrderStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only orders of this customer.' })
  customerId?: string | null;
}
