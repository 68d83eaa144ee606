import { Field, InputType } from 'type-graphql';

@InputType({ description: 'A new customer account.' })
export class RegisterInput {
  @Field(() => String, { description: 'Email to sign in with; case and surrounding spaces are ignored.' })
  email!: string;

  @Field(() => String, { description: 'Password: 8 to 128 characters with at least one letter and one digit.' })
  password!: string;

  @Field(() => String, { description: 'Display name (1 to 100 characters).' })
  name!: string;
}

@InputType({ description: 'Credentials to sign in with.' })
export class LoginInput {
  @Field(() => String, { description: 'The email the account was registered with.' })
  email!: string;

  @Field(() => String, { description: 'The account password.' })
  password!: string;
}
