import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { AnalyticsSchema1767500000000 } from './1767500000000-analytics-schema';

/** Every migration of the analytics database, oldest first (the shared outbox/inbox first: analytics uses the inbox). */
export const migrations = [CreateOutboxAndInbox1767225500000, AnalyticsSchema1767500000000];
