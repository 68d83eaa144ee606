import { CreateOutboxAndInbox1767225500000 } from '@shopgraph/events';
import { InitialSchema1767225600000 } from './1767225600000-initial-schema';
import { AccountTokens1767312000000 } from './1767312000000-account-tokens';

/**
 * Every migration of the users database, oldest first. The shared outbox/inbox migration came to
 * users after its initial schema; TypeORM runs a missing migration whatever its timestamp, so an
 * existing users database gets the outbox table on its next start.
 */
export const migrations = [CreateOutboxAndInbox1767225500000, InitialSchema1767225600000, AccountTokens1767312000000];
