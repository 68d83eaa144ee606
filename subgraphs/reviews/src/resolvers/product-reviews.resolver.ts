import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { ReviewsContext } from '../context';
import { Product } from '../types/product.type';
import { RatingSummary, ReviewConnection } from '../types/review.type';

/** Fields reviews adds to the products subgraph's Product, batched per request. */
@Resolver(() => Product)
export class ProductReviewsResolver {
  @FieldResolver(() => RatingSummary, {
    nullable: true,
    description: "Summary of the product's ratings. Null only when the reviews service cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so).",
  })
  rating(@Root() product: Product, @Ctx() ctx: ReviewsContext): Promise<RatingSummary> {
    return ctx.services.reviews.rating(ctx, product.id);
  }

  @FieldResolver(() => ReviewConnection, {
    nullable: true,
    description: 'Reviews of the product, newest first. Null only when the reviews service cannot answer (error code SUBGRAPH_UNAVAILABLE).',
  })
  reviews(
    @Root() product: Product,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' })
    after: string | null,
    @Ctx() ctx: ReviewsContext,
  ): Promise<ReviewConnection> {
    return ctx.services.reviews.productReviews(ctx, product.id, first, after);
  }
}
