import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { isUuid } from './sql';

/** A fresh one-time order token (32 random bytes, base64url) and the hash that is all orders stores of it. */
export function newOrderToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashOrderToken(token) };
}

/** SHA-256 (hex) of an order token: what `orders.order_token_hash` holds. */
export const hashOrderToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** Guest customers (one record per email), the hashes of guest order tokens, and the replica of account emails. */
export class GuestStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * The customer a guest order with this (normalized) email belongs to, if there is one: the guest
   * customer record, or the account it is linked to (an account that verified the email).
   */
  async findGuest(email: string): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query('SELECT coalesce(linked_customer_id, id::text) AS id FROM guest_customers WHERE email = $1', [email]);
    return rows[0]?.id ?? null;
  }

  /**
   * The customer a guest order with this email belongs to: the guest customer record, created the
   * first time (concurrent callers get the same one), or the account it is linked to.
   */
  async guestFor(email: string): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO guest_customers (id, email) VALUES ($1, $2)
       ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
       RETURNING coalesce(linked_customer_id, id::text) AS id`,
      [randomUUID(), email],
    );
    return rows[0].id;
  }

  /**
   * Inside a guest order's transaction, after its insert: when the guest record it was placed under
   * got linked to an account meanwhile (after guestFor read it), the order moves to that account too.
   * FOR SHARE orders this against linkVerifiedEmail: whichever of the two locks the guest record
   * second sees the other's committed writes. Returns the customer the order belongs to now.
   */
  async followLink(manager: EntityManager, orderId: string, customerId: string): Promise<string> {
    if (!isUuid(customerId)) return customerId;
    const rows: { linked: string | null }[] = await manager.query(
      `SELECT linked_customer_id AS linked FROM guest_customers WHERE id = $1::uuid FOR SHARE`,
      [customerId],
    );
    const linked = rows[0]?.linked;
    if (!linked) return customerId;
    await manager.query('UPDATE orders SET customer_id = $2, guest_customer_id = $3::uuid WHERE id = $1', [orderId, linked, customerId]);
    return linked;
  }

  /**
   * An account verified `email` at `verifiedAt` (users.v1 EmailVerified): the guest customer record
   * of that email (created when there is none, so later guest orders follow) is linked to the
   * account, and its orders (and their returns) move to the account, keeping `guest_customer_id`.
   * A record already linked by a later verification (another account that has the address now) is
   * left alone; orders an earlier link moved stay with that account. Safe to repeat. Returns the
   * ids of the orders moved.
   */
  async linkVerifiedEmail(manager: EntityManager, customerId: string, email: string, verifiedAt: Date): Promise<string[]> {
    const linked: { id: string }[] = await manager.query(
      `INSERT INTO guest_customers AS g (id, email, linked_customer_id, linked_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO UPDATE SET linked_customer_id = EXCLUDED.linked_customer_id, linked_at = EXCLUDED.linked_at
         WHERE g.linked_at IS NULL OR g.linked_at <= EXCLUDED.linked_at
       RETURNING id::text AS id`,
      [randomUUID(), email.trim().toLowerCase(), customerId, verifiedAt],
    );
    if (linked.length === 0) return [];
    const guestId = linked[0].id;
    // An idempotency key the account already used for an order of its own stays with the guest record (the pair must stay unique).
    const moved: { id: string }[] = await manager.query(
      `UPDATE orders o SET customer_id = $2, guest_customer_id = $1::uuid
        WHERE o.customer_id = $1 AND NOT EXISTS (SELECT 1 FROM orders x WHERE x.customer_id = $2 AND x.idempotency_key = o.idempotency_key)
       RETURNING o.id`,
      [guestId, customerId],
    );
    const ids = moved.map((r) => r.id);
    if (ids.length > 0) await manager.query('UPDATE returns SET customer_id = $2 WHERE order_id = ANY($1::uuid[])', [ids, customerId]);
    return ids;
  }

  /** The id of the order whose token hashes to this (null for any other token). */
  async orderIdByToken(token: string): Promise<string | null> {
    if (token.length === 0 || token.length > 200) return null;
    const rows: { id: string }[] = await this.dataSource.query('SELECT id FROM orders WHERE order_token_hash = $1', [hashOrderToken(token)]);
    return rows[0]?.id ?? null;
  }

  /** The account email the replica holds for a signed-in customer (null while unknown). */
  async accountEmail(customerId: string): Promise<string | null> {
    const rows: { email: string }[] = await this.dataSource.query('SELECT email FROM customer_emails WHERE customer_id = $1', [customerId]);
    return rows[0]?.email ?? null;
  }

  /** The account emails of these customers (for orders placed before the replica knew them). */
  async accountEmails(customerIds: readonly string[]): Promise<Map<string, string>> {
    const ids = [...new Set(customerIds)];
    if (ids.length === 0) return new Map();
    const rows: { customer_id: string; email: string }[] = await this.dataSource.query('SELECT customer_id, email FROM customer_emails WHERE customer_id = ANY($1::text[])', [ids]);
    return new Map(rows.map((r) => [r.customer_id, r.email]));
  }

  /** Records an account's email as of an event at `occurredAt` (a later event's email is never overwritten by an older one). */
  async upsertAccountEmail(manager: EntityManager, customerId: string, email: string, occurredAt: Date): Promise<void> {
    await manager.query(
      `INSERT INTO customer_emails AS c (customer_id, email, source_occurred_at) VALUES ($1, $2, $3)
       ON CONFLICT (customer_id) DO UPDATE SET email = EXCLUDED.email, source_occurred_at = EXCLUDED.source_occurred_at, updated_at = now()
         WHERE c.source_occurred_at <= EXCLUDED.source_occurred_at`,
      [customerId, email.trim().toLowerCase(), occurredAt],
    );
  }
}
