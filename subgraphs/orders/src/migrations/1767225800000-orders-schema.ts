import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The price replica, orders with their lines and status history, and the order number sequence. */
export class OrdersSchema1767225800000 implements MigrationInterface {
  name = 'OrdersSchema1767225800000';

  async up(q: QueryRunner): Promise<void> {
    // A row may be a tombstone (ProductArchived seen before ProductCreated): then name and price are null.
    await q.query(`
      CREATE TABLE product_replica (
        product_id text PRIMARY KEY,
        sku text,
        name text,
        price_amount integer,
        currency char(3),
        active boolean NOT NULL,
        source_occurred_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT product_replica_price_nonnegative CHECK (price_amount >= 0)
      )`);

    await q.query('CREATE SEQUENCE order_number_seq');
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        customer_id text NOT NULL,
        status varchar(20) NOT NULL,
        cancellation_reason varchar(20),
        currency char(3) NOT NULL,
        subtotal integer NOT NULL,
        total integer NOT NULL,
        shipping_address jsonb NOT NULL,
        payment_token text,
        payment_captured boolean NOT NULL DEFAULT false,
        idempotency_key text NOT NULL,
        input_hash char(64) NOT NULL,
        version integer NOT NULL,
        deadline_at timestamptz(3),
        status_changed_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL,
        CONSTRAINT orders_idempotency UNIQUE (customer_id, idempotency_key),
        CONSTRAINT orders_status_check CHECK (status IN ('PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLED')),
        CONSTRAINT orders_reason_check CHECK ((status = 'CANCELLED') = (cancellation_reason IS NOT NULL)),
        CONSTRAINT orders_version_positive CHECK (version >= 1)
      )`);
    // Keyset pagination: newest first, id as the tie-breaker.
    await q.query('CREATE INDEX orders_created_idx ON orders (created_at DESC, id DESC)');
    await q.query('CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at DESC, id DESC)');
    await q.query('CREATE INDEX orders_status_created_idx ON orders (status, created_at DESC, id DESC)');
    // The sweeper only looks at orders waiting on a timer.
    await q.query('CREATE INDEX orders_deadline_idx ON orders (deadline_at) WHERE deadline_at IS NOT NULL');

    await q.query(`
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        position smallint NOT NULL,
        product_id text NOT NULL,
        product_name text NOT NULL,
        unit_price integer NOT NULL,
        quantity integer NOT NULL,
        PRIMARY KEY (order_id, position),
        CONSTRAINT order_items_quantity_range CHECK (quantity BETWEEN 1 AND 99),
        CONSTRAINT order_items_price_nonnegative CHECK (unit_price >= 0)
      )`);

    await q.query(`
      CREATE TABLE order_status_history (
        order_id uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        version integer NOT NULL,
        status varchar(20) NOT NULL,
        reason text,
        at timestamptz(3) NOT NULL,
        PRIMARY KEY (order_id, version)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE order_status_history');
    await q.query('DROP TABLE order_items');
    await q.query('DROP TABLE orders');
    await q.query('DROP SEQUENCE order_number_seq');
    await q.query('DROP TABLE product_replica');
  }
}
