import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Address } from './address.type';
import { User } from './user.type';

@ObjectType({ description: 'Result of register, login and refreshToken: fresh tokens and the user, or errors.' })
export class AuthPayload {
  @Field(() => String, { nullable: true, description: 'Short-lived JWT (minutes); send it as `Authorization: Bearer <token>`.' })
  accessToken!: string | null;

  @Field(() => String, { nullable: true, description: 'Opaque refresh token; each use returns a new one and invalidates it.' })
  refreshToken!: string | null;

  @Field(() => Date, { nullable: true, description: 'When the access token expires.' })
  expiresAt!: Date | null;

  @Field(() => User, { nullable: true, description: 'The signed-in user.' })
  user!: User | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static failed(...errors: UserError[]): AuthPayload {
    return Object.assign(new AuthPayload(), { accessToken: null, refreshToken: null, expiresAt: null, user: null, errors });
  }
}

@ObjectType({ description: 'Result of a change to a user: the user as it is now, or errors.' })
export class UserPayload {
  @Field(() => User, { nullable: true, description: 'The user after the change.' })
  user!: User | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(user: User | null, errors: UserError[] = []): UserPayload {
    return Object.assign(new UserPayload(), { user, errors });
  }
}

@ObjectType({ description: 'Result of adding or removing an address: that address, or errors.' })
export class AddressPayload {
  @Field(() => Address, { nullable: true, description: 'The address added or removed.' })
  address!: Address | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(address: Address | null, errors: UserError[] = []): AddressPayload {
    return Object.assign(new AddressPayload(), { address, errors });
  }
}
