import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { ShippingSchema1767600000000 } from './1767600000000-shipping-schema';

/** Every migration of the shipping database, oldest first (the shared outbox/inbox first). */
export const migrations = [CreateOutboxAndInbox1767225500000, ShippingSchema1767600000000];
