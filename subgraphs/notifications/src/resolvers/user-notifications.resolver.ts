import { Arg, Ctx, FieldResolver, Int, Resolver, Root } from 'type-graphql';
import { connectionFrom } from '@shopgraph/kit';
import type { NotificationsContext } from '../context';
import { NotificationConnection, toNotification } from '../types/notification.type';
import { NotificationPreferences } from '../types/preferences.type';
import { User } from '../types/user.type';

/** The fields notifications adds to the users subgraph's User. */
@Resolver(() => User)
export class UserNotificationsResolver {
  @FieldResolver(() => NotificationConnection, {
    nullable: true,
    description:
      'Emails the shop sent (or tried to send) the user, newest first. Only the user themself or an ADMIN; others get FORBIDDEN. Null only when the notifications service cannot answer.',
  })
  async notifications(
    @Root() user: User,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor).' })
    after: string | null,
    @Ctx() ctx: NotificationsContext,
  ): Promise<NotificationConnection> {
    const page = await ctx.services.notifications.history(ctx, user.id, first, after);
    const { edges, pageInfo } = connectionFrom(page.rows, page.first, page.cursorOf, toNotification, page.hasPrevious);
    return Object.assign(new NotificationConnection(), { edges, pageInfo, totalCount: page.totalCount });
  }

  @FieldResolver(() => NotificationPreferences, {
    nullable: true,
    description:
      'Which optional emails the user wants. Only the user themself or an ADMIN. Null only when the notifications service cannot answer.',
  })
  async notificationPreferences(@Root() user: User, @Ctx() ctx: NotificationsContext): Promise<NotificationPreferences> {
    return Object.assign(new NotificationPreferences(), await ctx.services.notifications.preferences(ctx, user.id));
  }
}
