import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ReviewsContext } from '../context';
import { AddReviewInput } from '../types/add-review.input';
import { ReviewPayload } from '../types/payloads.type';
import { Product, productRef } from '../types/product.type';
import { Review } from '../types/review.type';
import { User, userRef } from '../types/user.type';

/** The review query and mutations, and a review's product and author references. */
@Resolver(() => Review)
export class ReviewResolver {
  @Query(() => Review, { nullable: true, description: 'A review by id; null when there is none.' })
  review(@Arg('id', () => ID, { description: 'The review id.' }) id: string, @Ctx() ctx: ReviewsContext): Promise<Review | null> {
    return ctx.services.reviews.review(ctx, id);
  }

  @FieldResolver(() => Product, { description: 'The product reviewed.' })
  product(@Root() review: Review): Product {
    return productRef(review.productId);
  }

  @FieldResolver(() => User, { description: 'Who wrote the review.' })
  author(@Root() review: Review): User {
    return userRef(review.authorId);
  }

  @Mutation(() => ReviewPayload, { description: 'Reviews a product as the signed-in user; one review per user and product (ALREADY_REVIEWED).' })
  addReview(@Arg('input', () => AddReviewInput, { description: 'The review.' }) input: AddReviewInput, @Ctx() ctx: ReviewsContext): Promise<ReviewPayload> {
    return ctx.services.reviews.addReview(ctx, input);
  }

  @Mutation(() => ReviewPayload, { description: 'Deletes a review. Its author or an ADMIN only.' })
  deleteReview(@Arg('id', () => ID, { description: 'The review to delete.' }) id: string, @Ctx() ctx: ReviewsContext): Promise<ReviewPayload> {
    return ctx.services.reviews.deleteReview(ctx, id);
  }
}
