import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import type { ReviewsContext } from '../context';
import { ReviewConnection } from '../types/review.type';
import { User } from '../types/user.type';

/** The field reviews adds to the users subgraph's User, batched per request. */
@Resolver(() => User)
export class UserReviewsResolver {
  @FieldResolver(() => ReviewConnection, {
    nullable: true,
    description: 'Reviews the user wrote, newest first. Null only when the reviews service cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so).',
  })
  reviews(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' })
    after: string | null,
    @Ctx() ctx: ReviewsContext,
  ): Promise<ReviewConnection> {
    return ctx.services.reviews.authorReviews(ctx, user.id, first, after);
  }
}
