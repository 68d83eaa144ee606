import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { OrdersSchema1767225800000 } from './1767225800000-orders-schema';

/** Every migration of the orders database, oldest first (the shared outbox/inbox first). */
export const migrations = [CreateOutboxAndInbox1767225500000, OrdersSchema1767225800000];
