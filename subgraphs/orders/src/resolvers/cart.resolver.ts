import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { OrdersContext } from '../context';
import { Cart, CartPayload } from '../types/cart.type';

/** The signed-in user's cart. */
@Resolver(() => Cart)
export class CartResolver {
  @Query(() => Cart, { description: 'The signed-in user\'s cart (empty when they have none).' })
  cart(@Ctx() ctx: OrdersContext): Promise<Cart> {
    return ctx.services.carts.cart(ctx);
  }

  @Mutation(() => CartPayload, {
    description:
      'Adds units of an active product\'s default variant to the cart (at most 99 per line); a product with several variants is INVALID_INPUT naming the options to choose (use addVariantToCart). Signed in.',
  })
  addToCart(
    @Arg('productId', () => ID, { description: 'The product to add.' }) productId: string,
    @Arg('quantity', () => Int, { defaultValue: 1, description: 'How many to add (1 to 99).' }) quantity: number,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.add(ctx, productId, quantity);
  }

  @Mutation(() => CartPayload, { description: 'Sets how many of a product the cart holds; 0 removes it. Signed in.' })
  updateCartItem(
    @Arg('productId', () => ID, { description: 'The product whose line to change.' }) productId: string,
    @Arg('quantity', () => Int, { description: 'The new quantity (0 to 99; 0 removes the line).' }) quantity: number,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.update(ctx, productId, quantity);
  }

  @Mutation(() => CartPayload, { description: 'Removes a product from the cart (a no-op when it is not there). Signed in.' })
  removeFromCart(@Arg('productId', () => ID, { description: 'The product to remove.' }) productId: string, @Ctx() ctx: OrdersContext): Promise<CartPayload> {
    return ctx.services.carts.remove(ctx, productId);
  }

  @Mutation(() => CartPayload, { description: 'Empties the cart. Signed in.' })
  clearCart(@Ctx() ctx: OrdersContext): Promise<CartPayload> {
    return ctx.services.carts.clear(ctx);
  }

  @Mutation(() => CartPayload, { description: 'Adds units of an active variant to the cart (at most 99 per line). Signed in.' })
  addVariantToCart(
    @Arg('variantId', () => ID, { description: 'The variant to add.' }) variantId: string,
    @Arg('quantity', () => Int, { defaultValue: 1, description: 'How many to add (1 to 99).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: 'Reserved for guest carts, which do not exist yet: leave it out (given, it is INVALID_INPUT).' }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.addVariant(ctx, variantId, quantity, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Sets how many units a cart line holds; 0 removes it. Signed in.' })
  updateCartLine(
    @Arg('lineId', () => ID, { description: 'The line (CartItem.id: its variant\'s id).' }) lineId: string,
    @Arg('quantity', () => Int, { description: 'The new quantity (0 to 99; 0 removes the line).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: 'Reserved for guest carts, which do not exist yet: leave it out (given, it is INVALID_INPUT).' }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.updateLine(ctx, lineId, quantity, cartId);
  }
}
