import { Field, InputType } from 'type-graphql';

@InputType({ description: 'Changes to the signed-in user\'s profile; omitted fields stay as they are.' })
export class UpdateProfileInput {
  @Field(() => String, { nullable: true, description: 'New display name (1 to 100 characters).' })
  name?: string | null;
}
