import { Field, ID, InputType, Int } from 'type-graphql';

@InputType({ description: 'A new review of a product by the signed-in user.' })
export class AddReviewInput {
  @Field(() => ID, { description: 'The product reviewed.' })
  productId!: string;

  @Field(() => Int, { description: 'Stars from 1 to 5.' })
  rating!: number;

  @Field(() => String, { description: 'Headline, 1 to 120 characters after trimming.' })
  title!: string;

  @Field(() => String, { description: 'The review text, 1 to 5000 characters after trimming.' })
  body!: string;
}
