import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Review } from './review.type';

@ObjectType({ description: 'Result of adding or deleting a review: that review, or errors.' })
export class ReviewPayload {
  @Field(() => Review, { nullable: true, description: 'The review added, or the one just deleted.' })
  review!: Review | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(review: Review | null, errors: UserError[] = []): ReviewPayload {
    return Object.assign(new ReviewPayload(), { review, errors });
  }
}
