import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { PaymentsSchema1767225900000 } from './1767225900000-payments-schema';
import { RefundReturn1767650000000 } from './1767650000000-refund-return';

/** Every migration of the payments database, oldest first (the shared outbox/inbox first). */
export const migrations = [CreateOutboxAndInbox1767225500000, PaymentsSchema1767225900000, RefundReturn1767650000000];
