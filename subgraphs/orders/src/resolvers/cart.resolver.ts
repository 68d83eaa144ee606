import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { OrdersContext } from '../context';
import { Cart, CartPayload } from '../types/cart.type';

const CART_ID = 'A guest cart\'s id (Cart.id). Left out: the signed-in user\'s cart, or for an anonymous caller a new guest cart.';

/**
 * Carts: the signed-in user's, and guest carts named by their id. An anonymous cart mutation
 * without cartId starts a guest cart (its id comes back as cart.id); an unknown or expired
 * cartId is NOT_FOUND in the payload's errors.
 */
@Resolver(() => Cart)
export class CartResolver {
  @Query(() => Cart, { description: 'The signed-in user\'s cart (empty when they have none).' })
  cart(@Ctx() ctx: OrdersContext): Promise<Cart> {
    return ctx.services.carts.cart(ctx);
  }

  @Query(() => Cart, { nullable: true, description: 'A guest cart by its id; null when there is none (never created, or expired after 30 days untouched).' })
  guestCart(@Arg('cartId', () => ID, { description: 'The guest cart\'s id (Cart.id).' }) cartId: string, @Ctx() ctx: OrdersContext): Promise<Cart | null> {
    return ctx.services.carts.guestCart(cartId);
  }

  @Mutation(() => CartPayload, {
    description:
      'Adds units of an active product\'s default variant to the cart (at most 99 per line); a product with several variants is INVALID_INPUT naming the options to choose (use addVariantToCart).',
  })
  addToCart(
    @Arg('productId', () => ID, { description: 'The product to add.' }) productId: string,
    @Arg('quantity', () => Int, { defaultValue: 1, description: 'How many to add (1 to 99).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.add(ctx, productId, quantity, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Sets how many of a product the cart holds; 0 removes it.' })
  updateCartItem(
    @Arg('productId', () => ID, { description: 'The product whose line to change.' }) productId: string,
    @Arg('quantity', () => Int, { description: 'The new quantity (0 to 99; 0 removes the line).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.update(ctx, productId, quantity, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Removes a product from the cart (a no-op when it is not there).' })
  removeFromCart(
    @Arg('productId', () => ID, { description: 'The product to remove.' }) productId: string,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.remove(ctx, productId, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Empties the cart.' })
  clearCart(@Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null, @Ctx() ctx: OrdersContext): Promise<CartPayload> {
    return ctx.services.carts.clear(ctx, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Adds units of an active variant to the cart (at most 99 per line).' })
  addVariantToCart(
    @Arg('variantId', () => ID, { description: 'The variant to add.' }) variantId: string,
    @Arg('quantity', () => Int, { defaultValue: 1, description: 'How many to add (1 to 99).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.addVariant(ctx, variantId, quantity, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Sets how many units a cart line holds; 0 removes it.' })
  updateCartLine(
    @Arg('lineId', () => ID, { description: 'The line (CartItem.id: its variant\'s id).' }) lineId: string,
    @Arg('quantity', () => Int, { description: 'The new quantity (0 to 99; 0 removes the line).' }) quantity: number,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.updateLine(ctx, lineId, quantity, cartId);
  }

  @Mutation(() => CartPayload, {
    description:
      'Signed in: moves a guest cart\'s lines and codes into my cart (quantities add up, at most 99 per line; lines past the cart\'s line limit stay out, reported as INVALID_INPUT) and deletes the guest cart. Unknown cartId: NOT_FOUND.',
  })
  mergeGuestCart(@Arg('cartId', () => ID, { description: 'The guest cart to merge (Cart.id).' }) cartId: string, @Ctx() ctx: OrdersContext): Promise<CartPayload> {
    return ctx.services.carts.merge(ctx, cartId);
  }

  @Mutation(() => CartPayload, {
    description: 'Puts a promotion code on the cart (case-insensitive; PROMOTION_INVALID saying why when no such code is valid now). Checkout uses the cart\'s codes unless given others.',
  })
  applyPromotionCode(
    @Arg('code', () => String, { description: 'The code, e.g. "WELCOME10".' }) code: string,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.applyCode(ctx, code, cartId);
  }

  @Mutation(() => CartPayload, { description: 'Takes a promotion code off the cart (a no-op when it is not there).' })
  removePromotionCode(
    @Arg('code', () => String, { description: 'The code to take off (case-insensitive).' }) code: string,
    @Arg('cartId', () => ID, { nullable: true, description: CART_ID }) cartId: string | null,
    @Ctx() ctx: OrdersContext,
  ): Promise<CartPayload> {
    return ctx.services.carts.removeCode(ctx, code, cartId);
  }
}
