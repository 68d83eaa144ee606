import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

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

  /** The guest customer record of this (normalized) email, if there is one. */
  async findGuest(email: string): Promise<string | null> {
    const rows: { id: string }[] = await this.dataSource.query('SELECT id FROM guest_customers WHERE email = $1', [email]);
    return rows[0]?.id ?? null;
  }

  /** The guest customer record of this email, created the first time (concurrent callers get the same one). */
  async guestFor(email: string): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO guest_customers (id, email) VALUES ($1, $2)
       ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
       RETURNING id`,
      [randomUUID(), email],
    );
    return rows[0].id;
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
