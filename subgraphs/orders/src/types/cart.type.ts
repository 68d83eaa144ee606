import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Money, UserError } from '@shopgraph/kit';
import { Product, ProductVariant } from './product.type';

@ObjectType({ description: 'A product variant in the cart, priced at its current price.' })
export class CartItem {
  @Field(() => ID, { description: 'The line\'s id: its variant\'s id (pass it to updateCartLine).' })
  id!: string;

  @Field(() => Product, { description: 'The product.' })
  product!: Product;

  @Field(() => ProductVariant, { description: 'The variant (a product without options: its default variant, whose id is the product\'s).' })
  variant!: ProductVariant;

  @Field(() => Int, { description: 'How many of it (1 to 99).' })
  quantity!: number;

  @Field(() => Money, { description: 'The variant\'s current price; the order snapshots it when placed.' })
  unitPrice!: Money;

  @Field(() => Money, { description: 'unitPrice × quantity.' })
  lineTotal!: Money;
}

@ObjectType({
  description:
    'A shopping cart: a signed-in user\'s (forgotten after a configurable idle time, default 7 days, without changes) or a guest cart (its id is an unguessable token; forgotten after 30 days untouched).',
})
export class Cart {
  @Field(() => ID, { description: 'The cart\'s id: the user\'s id for a signed-in user\'s cart; for a guest cart the token to pass as cartId (keep it secret: it is the only key to the cart).' })
  id!: string;

  @Field(() => [CartItem], { description: 'The lines, in the order they were first added.' })
  items!: CartItem[];

  @Field(() => Int, { description: 'Total number of units (sum of quantities).' })
  itemCount!: number;

  @Field(() => Money, { description: 'Sum of the line totals at current prices.' })
  subtotal!: Money;

  @Field(() => [String], { description: 'Promotion codes applied to the cart (upper case); checkout uses them unless given other codes.' })
  promotionCodes!: string[];

  @Field(() => Date, { nullable: true, description: 'When the cart was last changed; null for an empty cart.' })
  updatedAt?: Date | null;
}

@ObjectType({ description: 'Result of a cart mutation: the cart as it is now, and what went wrong if anything.' })
export class CartPayload {
  @Field(() => Cart, { description: 'The cart after the mutation (unchanged when it failed).' })
  cart!: Cart;

  @Field(() => [UserError], { description: 'Why the change was refused (empty on success).' })
  errors!: UserError[];
}
