import { Arg, Ctx, ID, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { InventoryContext } from '../context';
import { Product, ProductConnection } from '../types/product.type';
import { StockPayload } from '../types/stock-payload.type';

/** The lowStock report and the admin stock mutations. */
@Resolver(() => Product)
export class StockResolver {
  @Query(() => ProductConnection, {
    description:
      'Products with an active variant that has at most `threshold` units available, ordered by that lowest variant\'s availability, fewest first (then by product id); each product\'s stock is the sum over its active variants (ask its variants for theirs). ADMIN only.',
  })
  lowStock(
    @Arg('threshold', () => Int, { nullable: true, defaultValue: 5, description: 'Largest available quantity to include, 0 or more (default 5).' }) threshold: number | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' })
    after: string | null,
    @Ctx() ctx: InventoryContext,
  ): Promise<ProductConnection> {
    return ctx.services.stock.lowStock(ctx, threshold ?? 5, first, after);
  }

  @Mutation(() => StockPayload, { description: 'Sets how many units of a product are on hand; not below what orders have reserved. ADMIN only.' })
  setStock(
    @Arg('productId', () => ID, { description: 'The product.' }) productId: string,
    @Arg('onHand', () => Int, { description: 'The new on-hand quantity, 0 or more.' }) onHand: number,
    @Ctx() ctx: InventoryContext,
  ): Promise<StockPayload> {
    return ctx.services.stock.setStock(ctx, productId, onHand);
  }

  @Mutation(() => StockPayload, { description: 'Adds units to (or, with a negative delta, removes units from) what is on hand, with a reason for the audit trail. ADMIN only.' })
  adjustStock(
    @Arg('productId', () => ID, { description: 'The product.' }) productId: string,
    @Arg('delta', () => Int, { description: 'Units to add (positive) or remove (negative); not 0.' }) delta: number,
    @Arg('reason', () => String, { description: 'Why, for the audit trail: 1 to 200 characters.' }) reason: string,
    @Ctx() ctx: InventoryContext,
  ): Promise<StockPayload> {
    return ctx.services.stock.adjustStock(ctx, productId, delta, reason);
  }

  @Mutation(() => StockPayload, { description: 'Sets how many units of a variant are on hand; not below what orders have reserved. ADMIN only.' })
  setVariantStock(
    @Arg('variantId', () => ID, { description: 'The variant (a product\'s id names its default variant).' }) variantId: string,
    @Arg('onHand', () => Int, { description: 'The new on-hand quantity, 0 or more.' }) onHand: number,
    @Ctx() ctx: InventoryContext,
  ): Promise<StockPayload> {
    return ctx.services.stock.setStock(ctx, variantId, onHand, 'variantId');
  }

  @Mutation(() => StockPayload, { description: 'Adds units to (or, with a negative delta, removes units from) what a variant has on hand, with a reason for the audit trail. ADMIN only.' })
  adjustVariantStock(
    @Arg('variantId', () => ID, { description: 'The variant.' }) variantId: string,
    @Arg('delta', () => Int, { description: 'Units to add (positive) or remove (negative); not 0.' }) delta: number,
    @Arg('reason', () => String, { description: 'Why, for the audit trail: 1 to 200 characters.' }) reason: string,
    @Ctx() ctx: InventoryContext,
  ): Promise<StockPayload> {
    return ctx.services.stock.adjustStock(ctx, variantId, delta, reason, 'variantId');
  }
}
