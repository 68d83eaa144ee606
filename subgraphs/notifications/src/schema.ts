import type { GraphQLSchema } from 'graphql';
import { buildFederatedSchema } from '@shopgraph/kit';
import { NotificationResolver } from './resolvers/notification.resolver';
import { UserNotificationsResolver } from './resolvers/user-notifications.resolver';
import { User, userRef } from './types/user.type';

/** The notifications subgraph schema: User gains notifications and notificationPreferences; two mutations. */
export function buildNotificationsSchema(): Promise<GraphQLSchema> {
  return buildFederatedSchema(
    { resolvers: [NotificationResolver, UserNotificationsResolver], orphanedTypes: [User] },
    { User: { __resolveReference: (ref: { id: unknown }) => userRef(String(ref.id)) } },
  );
}
