import { Field, ID, InputType, Int } from 'type-graphql';
import { AddressInput } from '@shopgraph/kit';

export { AddressInput };
import { OrderStatus } from './order.type';

@InputType({ description: 'A product and how many of it to order.' })
export class OrderLineInput {
  @Field(() => ID, { description: 'The product to order.' })
  productId!: string;

  @Field(() => ID, { nullable: true, description: 'The variant to order; default: the product\'s default variant (a product with several variants needs it).' })
  variantId?: string | null;

  @Field(() => Int, { description: 'How many (1 to 99; lines of the same variant are added up).' })
  quantity!: number;
}

@InputType({ description: 'Everything needed to place an order. A guest (not signed in) passes cartId (or items) and email.' })
export class PlaceOrderInput {
  @Field(() => String, { description: 'Client-chosen key: the same key from the same user returns the same order, never a second one.' })
  idempotencyKey!: string;

  @Field(() => [OrderLineInput], { nullable: true, description: 'The lines to order; omitted: check out the current cart (emptied once the order exists).' })
  items?: OrderLineInput[] | null;

  @Field(() => AddressInput, { description: 'Where to deliver.' })
  shippingAddress!: AddressInput;

  @Field(() => String, { description: 'Payment provider token, e.g. "tok_visa"; never a raw card number.' })
  paymentToken!: string;

  @Field(() => ID, { nullable: true, description: 'Default: the cheapest available method.' })
  shippingMethodId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Promotion codes, case-insensitive (none by default).' })
  promotionCodes?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'If given and the computed total differs, CONFLICT and no order.' })
  expectedTotal?: number | null;

  @Field(() => ID, { nullable: true, description: 'A guest\'s cart to check out (emptied once the order exists); signed-in users may omit it.' })
  cartId?: string | null;

  @Field(() => String, { nullable: true, description: 'Required for guests: where the order\'s emails go; ignored when signed in (the account\'s email is used).' })
  email?: string | null;
}

@InputType({ description: 'Narrows the list of orders.' })
export class OrderFilter {
  @Field(() => OrderStatus, { nullable: true, description: 'Only orders in this status.' })
  status?: OrderStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only orders of this customer.' })
  customerId?: string | null;
}
