import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Guest checkout (issue 14): guest customer records (one per email, lower-cased), the hash of a
 * guest order's one-time order token (the token itself is never stored), and the replica of
 * account emails (users.v1) that gives a signed-in customer's order its email.
 */
export class GuestCheckout1767700000000 implements MigrationInterface {
  name = 'GuestCheckout1767700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE guest_customers (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT guest_customers_email UNIQUE (email)
      )`);
    await q.query('ALTER TABLE orders ADD COLUMN order_token_hash text');
    await q.query('CREATE UNIQUE INDEX orders_token_idx ON orders (order_token_hash) WHERE order_token_hash IS NOT NULL');
    await q.query(`
      CREATE TABLE customer_emails (
        customer_id text PRIMARY KEY,
        email text NOT NULL,
        source_occurred_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE customer_emails');
    await q.query('DROP INDEX orders_token_idx');
    await q.query('ALTER TABLE orders DROP COLUMN order_token_hash');
    await q.query('DROP TABLE guest_customers');
  }
}
