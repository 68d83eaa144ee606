import { Field, InputType, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';

@ObjectType({ description: 'Which optional emails a user wants. Confirmations, cancellations, refunds and security mails always go.' })
export class NotificationPreferences {
  @Field(() => Boolean, { description: 'Shipped and delivered emails (default true).' })
  orderUpdates!: boolean;

  @Field(() => Boolean, { description: 'News about products and offers (default false).' })
  productNews!: boolean;
}

@InputType({ description: 'Preferences to change; fields left out (or null) keep their value.' })
export class NotificationPreferencesInput {
  @Field(() => Boolean, { nullable: true, description: 'Shipped and delivered emails.' })
  orderUpdates?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'News about products and offers.' })
  productNews?: boolean | null;
}

@ObjectType({ description: 'The result of updateNotificationPreferences.' })
export class NotificationPreferencesPayload {
  @Field(() => NotificationPreferences, { nullable: true, description: 'The preferences after the change.' })
  preferences!: NotificationPreferences | null;

  @Field(() => [UserError], { description: 'Why the change was refused (empty on success).' })
  errors!: UserError[];
}
