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

@ObjectType({ description: 'The signed-in user\'s shopping cart. Forgotten after a configurable idle time (default 7 days) without changes.' })
export class Cart {
  @Field(() => [CartItem], { description: 'The lines, in the order they were first added.' })
  items!: CartItem[];

  @Field(() => Int, { description: 'Total number of units (sum of quantities).' })
  itemCount!: number;

  @Field(() => Money, { description: 'Sum of the line totals at current prices.' })
  subtotal!: Money;

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
