import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { NotificationsContext } from '../context';
import { NotificationPreferences, NotificationPreferencesInput, NotificationPreferencesPayload } from '../types/preferences.type';

/** Mutations of the notifications subgraph. */
@Resolver()
export class NotificationResolver {
  @Mutation(() => NotificationPreferencesPayload, { description: "Changes the signed-in user's notification preferences." })
  async updateNotificationPreferences(
    @Arg('input', () => NotificationPreferencesInput, { description: 'The preferences to change.' }) input: NotificationPreferencesInput,
    @Ctx() ctx: NotificationsContext,
  ): Promise<NotificationPreferencesPayload> {
    const preferences = await ctx.services.notifications.updatePreferences(ctx, input);
    return Object.assign(new NotificationPreferencesPayload(), {
      preferences: Object.assign(new NotificationPreferences(), preferences),
      errors: [],
    });
  }

  @Mutation(() => Boolean, {
    description:
      "ADMIN: sends a notification again, as a new notification in the user's history. Password-reset and verification emails cannot be resent (their token is not kept).",
  })
  resendNotification(
    @Arg('id', () => ID, { description: 'The notification to send again.' }) id: string,
    @Ctx() ctx: NotificationsContext,
  ): Promise<boolean> {
    return ctx.services.notifications.resend(ctx, id);
  }
}
