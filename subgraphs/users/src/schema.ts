import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import type { UsersContext } from './context';
import { AccountResolver } from './resolvers/account.resolver';
import { AddressResolver } from './resolvers/address.resolver';
import { AuthResolver } from './resolvers/auth.resolver';
import { UserResolver } from './resolvers/user.resolver';
import { User } from './types/user.type';

/** The users subgraph schema; `User` references resolve through the per-request batching loader. */
export function buildUsersSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [UserResolver, AuthResolver, AccountResolver, AddressResolver], orphanedTypes: [User] },
    {
      User: {
        __resolveReference: (ref: { id: unknown }, ctx: UsersContext) => ctx.loaders.user.load(String(ref.id)),
      },
    },
  );
}
