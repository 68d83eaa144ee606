import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { NotificationsSchema1767400000000 } from './1767400000000-notifications-schema';

/** Every migration of the notifications database, oldest first (the shared outbox/inbox first: the inbox makes event handling idempotent). */
export const migrations = [CreateOutboxAndInbox1767225500000, NotificationsSchema1767400000000];
