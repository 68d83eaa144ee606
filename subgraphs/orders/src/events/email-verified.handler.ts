import type { DataSource } from 'typeorm';
import { processOnce, type EventEnvelope } from '@shopgraph/events';
import type { GuestStore } from '../stores/guest.store';

const CONSUMER = 'orders.guest-links';

/**
 * users.v1 EmailVerified → the guest orders placed with that email (case-insensitive) move to the
 * account (`me { orders }` lists them from now on), and so do later guest orders with it. Only a
 * verification links: an account that registered with the address but never proved it sees none.
 * Once per event (inbox), and the link itself is idempotent, so a redelivery changes nothing.
 * Returns the ids of the orders moved by this delivery.
 */
export async function handleEmailVerified(dataSource: DataSource, store: GuestStore, event: EventEnvelope<'EmailVerified'>): Promise<string[]> {
  let moved: string[] = [];
  await processOnce(dataSource, CONSUMER, event, async (manager) => {
    const p = event.payload;
    // The address is the account's (as of this event) for Order.email too.
    await store.upsertAccountEmail(manager, p.userId, p.email, new Date(event.occurredAt));
    moved = await store.linkVerifiedEmail(manager, p.userId, p.email, new Date(p.verifiedAt));
  });
  return moved;
}
