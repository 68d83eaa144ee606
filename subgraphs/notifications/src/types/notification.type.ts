import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { DateTimeScalar, PageInfo } from '@shopgraph/kit';
import {
  NOTIFICATION_KINDS,
  NOTIFICATION_STATUSES,
  type NotificationKind as Kind,
  type NotificationStatus as Status,
} from '../domain/notification-kind';
import type { NotificationRow } from '../stores/notification.store';

const enumOf = <T extends string>(values: readonly T[]) => Object.fromEntries(values.map((v) => [v, v])) as { [K in T]: K };

export const NotificationKind = enumOf(NOTIFICATION_KINDS);
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'What a notification is about; each kind has its own email template.',
});

export const NotificationStatus = enumOf(NOTIFICATION_STATUSES);
registerEnumType(NotificationStatus, {
  name: 'NotificationStatus',
  description:
    "PENDING: not yet accepted by the mail server (retried with backoff); SENT: accepted; FAILED: gave up; SUPPRESSED: not sent because of the user's preferences.",
});

export enum NotificationChannel {
  EMAIL = 'EMAIL',
}
registerEnumType(NotificationChannel, { name: 'NotificationChannel', description: 'How a notification reaches the user.' });

@ObjectType({ description: 'One message the shop sent (or tried to send) to a user, for one event.' })
export class Notification {
  @Field(() => ID, { description: "Stable id; for an event's notification, the event id (also in the email's Message-ID)." })
  id!: string;

  @Field(() => NotificationKind, { description: 'What it is about.' })
  kind!: Kind;

  @Field(() => NotificationChannel, { description: 'How it was sent.' })
  channel!: NotificationChannel;

  @Field(() => String, { description: 'The address it was (or will be) sent to; empty while the address is not known yet.' })
  recipient!: string;

  @Field(() => String, { description: "The email's subject." })
  subject!: string;

  @Field(() => NotificationStatus, { description: 'Where it stands.' })
  status!: Status;

  @Field(() => Int, { description: 'SMTP attempts made so far.' })
  attempts!: number;

  @Field(() => DateTimeScalar, { description: 'When the event that caused it was handled.' })
  createdAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true, description: 'When the mail server accepted it; null until SENT.' })
  sentAt!: Date | null;
}

/** The API view of a stored notification (no data, no errors: those are operators' business). */
export function toNotification(row: NotificationRow): Notification {
  return Object.assign(new Notification(), {
    id: row.id,
    kind: row.kind,
    channel: NotificationChannel.EMAIL,
    recipient: row.recipient ?? '',
    subject: row.subject,
    status: row.status,
    attempts: row.attempts,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
  });
}

@ObjectType({ description: 'An edge of a NotificationConnection.' })
export class NotificationEdge {
  @Field(() => String, { description: 'Cursor of this notification; pass it as `after` to continue after it.' })
  cursor!: string;

  @Field(() => Notification, { description: 'The notification.' })
  node!: Notification;
}

@ObjectType({ description: "A page of a user's notifications, newest first." })
export class NotificationConnection {
  @Field(() => [NotificationEdge], { description: 'The notifications of this page.' })
  edges!: NotificationEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits in the whole history.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many notifications the user has in all.' })
  totalCount!: number;
}
