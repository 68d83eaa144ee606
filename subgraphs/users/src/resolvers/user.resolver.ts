import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Role } from '@shopgraph/kit';
import type { UsersContext } from '../context';
import { Address } from '../types/address.type';
import { UserPayload } from '../types/payloads.type';
import { UpdateProfileInput } from '../types/update-profile.input';
import { User, UserConnection } from '../types/user.type';

/** Queries and mutations on users, and User's private fields. */
@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  me(@Ctx() ctx: UsersContext): Promise<User | null> {
    return ctx.services.users.me(ctx);
  }

  @Query(() => User, { nullable: true, description: 'A user by id; null when there is none. ADMIN only.' })
  user(@Arg('id', () => ID, { description: 'The user id.' }) id: string, @Ctx() ctx: UsersContext): Promise<User | null> {
    return ctx.services.users.user(ctx, id);
  }

  @Query(() => UserConnection, { description: 'Every user, oldest account first. ADMIN only.' })
  users(
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' })
    after: string | null,
    @Ctx() ctx: UsersContext,
  ): Promise<UserConnection> {
    return ctx.services.users.list(ctx, first, after);
  }

  @FieldResolver(() => String, { description: 'Email address, lowercase. Visible to the user themself and ADMINs; others get FORBIDDEN.' })
  email(@Root() user: User, @Ctx() ctx: UsersContext): string {
    return ctx.services.users.email(ctx, user);
  }

  @FieldResolver(() => [Address], { description: 'Address book, oldest first. Visible to the user themself and ADMINs; others get FORBIDDEN.' })
  addresses(@Root() user: User, @Ctx() ctx: UsersContext): Promise<Address[]> {
    return ctx.services.addresses.ofUser(ctx, user);
  }

  @Mutation(() => UserPayload, { description: "Changes the signed-in user's profile." })
  updateProfile(@Arg('input', () => UpdateProfileInput, { description: 'The changes.' }) input: UpdateProfileInput, @Ctx() ctx: UsersContext): Promise<UserPayload> {
    return ctx.services.users.updateProfile(ctx, input);
  }

  @Mutation(() => UserPayload, { description: "Changes a user's role; it applies to their next access token. ADMIN only." })
  setUserRole(
    @Arg('userId', () => ID, { description: 'The user to change.' }) userId: string,
    @Arg('role', () => Role, { description: 'The new role.' }) role: Role,
    @Ctx() ctx: UsersContext,
  ): Promise<UserPayload> {
    return ctx.services.users.setRole(ctx, userId, role);
  }
}
