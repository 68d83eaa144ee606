import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { PageInfo, Role } from '@shopgraph/kit';
import type { UserEntity } from '../entities/user.entity';

@ObjectType({ description: 'A shopper or shop administrator. Owned by the users subgraph; other subgraphs extend it.' })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => Role, { description: 'What the user may do.' })
  role!: Role;

  @Field(() => Date, { description: 'When the account was created.' })
  createdAt!: Date;

  @Field(() => Boolean, { description: 'Whether the user proved they read mail at their email address (a verification link or a password reset).' })
  emailVerified!: boolean;

  /** Exposed only through UserResolver.email, which checks who is asking. */
  email!: string;

  /** Set on the user of an AuthPayload: the caller just proved to be them, though the request carries no viewer yet. */
  provenByCredentials?: boolean;
}

/** The API view of a stored user: the password hash stays behind. */
export function toUser(entity: UserEntity, provenByCredentials = false): User {
  return Object.assign(new User(), {
    id: entity.id,
    name: entity.name,
    role: entity.role as Role,
    createdAt: entity.createdAt,
    emailVerified: entity.emailVerifiedAt != null,
    email: entity.email,
    provenByCredentials,
  });
}

@ObjectType({ description: 'One user in a page of users.' })
export class UserEdge {
  @Field(() => String, { description: 'Opaque cursor of this user; pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => User, { description: 'The user.' })
  node!: User;
}

@ObjectType({ description: 'A page of users, oldest account first.' })
export class UserConnection {
  @Field(() => [UserEdge], { description: 'The users of this page.' })
  edges!: UserEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many users there are in total.' })
  totalCount!: number;
}
