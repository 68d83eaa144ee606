import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo } from '@shopgraph/kit';
import type { ReviewDocument } from '../entities/review.document';

@ObjectType({ description: "A customer's rating and opinion of a product. Owned by the reviews subgraph." })
@Directive('@key(fields: "id")')
export class Review {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => Int, { description: 'Stars from 1 (worst) to 5 (best).' })
  rating!: number;

  @Field(() => String, { description: 'Headline, 1 to 120 characters.' })
  title!: string;

  @Field(() => String, { description: 'The review text, 1 to 5000 characters.' })
  body!: string;

  @Field(() => Boolean, { description: 'True when the author has a CONFIRMED (or later) order containing the product.' })
  verifiedPurchase!: boolean;

  @Field(() => Date, { description: 'When the review was written.' })
  createdAt!: Date;

  /** Resolved as a Product reference by ReviewResolver.product. */
  productId!: string;

  /** Resolved as a User reference by ReviewResolver.author. */
  authorId!: string;
}

/** The API view of a stored review. */
export function toReview(doc: ReviewDocument): Review {
  return Object.assign(new Review(), {
    id: doc._id,
    rating: doc.rating,
    title: doc.title,
    body: doc.body,
    verifiedPurchase: doc.verifiedPurchase,
    createdAt: doc.createdAt,
    productId: doc.productId,
    authorId: doc.authorId,
  });
}

@ObjectType({ description: 'A review in a page, with its cursor.' })
export class ReviewEdge {
  @Field(() => String, { description: 'Opaque cursor of this review; pass it as `after` for the next page.' })
  cursor!: string;

  @Field(() => Review, { description: 'The review.' })
  node!: Review;
}

@ObjectType({ description: 'A page of reviews, newest first.' })
export class ReviewConnection {
  @Field(() => [ReviewEdge], { description: 'The reviews of this page, newest first.' })
  edges!: ReviewEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many reviews there are, across all pages.' })
  totalCount!: number;
}

@ObjectType({ description: "Summary of a product's ratings." })
export class RatingSummary {
  @Field(() => Number, { nullable: true, description: 'Mean rating, rounded to two decimals; null when there are no reviews.' })
  average!: number | null;

  @Field(() => Int, { description: 'How many reviews rate the product.' })
  count!: number;

  @Field(() => [Int], { description: 'How many reviews gave 1, 2, 3, 4 and 5 stars (always five numbers, in that order).' })
  histogram!: number[];
}
