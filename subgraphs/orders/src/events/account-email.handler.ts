import type { DataSource } from 'typeorm';
import { processOnce, type EventEnvelope } from '@shopgraph/events';
import type { GuestStore } from '../stores/guest.store';

const CONSUMER = 'orders.account-emails';

/** The users.v1 events that carry an account's email (every one of them does). */
export const ACCOUNT_EMAIL_EVENTS = ['UserRegistered', 'EmailVerificationRequested', 'PasswordResetRequested', 'PasswordChanged'] as const;
export type AccountEmailEvent = EventEnvelope<(typeof ACCOUNT_EMAIL_EVENTS)[number]>;

/**
 * users.v1 → orders' replica of account emails (Order.email of a signed-in customer's order).
 * Idempotent (inbox) and monotonic: an older event never overwrites a newer one's email.
 */
export async function handleAccountEmailEvent(dataSource: DataSource, store: GuestStore, event: AccountEmailEvent): Promise<void> {
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    await store.upsertAccountEmail(manager, event.payload.userId, event.payload.email, new Date(event.occurredAt));
  });
}
