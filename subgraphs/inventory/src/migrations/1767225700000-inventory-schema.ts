import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stock records, their audit trail, and reservations with their lines. */
export class InventorySchema1767225700000 implements MigrationInterface {
  name = 'InventorySchema1767225700000';

  async up(q: QueryRunner): Promise<void> {
    // COLLATE "C": lowStock's keyset order on product_id must be plain byte order, whatever the
    // database locale, so cursors compare exactly as ORDER BY sorts.
    await q.query(`
      CREATE TABLE stock (
        product_id text COLLATE "C" PRIMARY KEY,
        on_hand integer NOT NULL,
        reserved integer NOT NULL DEFAULT 0,
        available integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT stock_product_id_length CHECK (length(product_id) BETWEEN 1 AND 100),
        CONSTRAINT stock_on_hand_nonnegative CHECK (on_hand >= 0),
        CONSTRAINT stock_reserved_nonnegative CHECK (reserved >= 0),
        CONSTRAINT stock_reserved_within_on_hand CHECK (reserved <= on_hand)
      )`);
    await q.query('CREATE INDEX stock_available_product_idx ON stock (available, product_id)');

    await q.query(`
      CREATE TABLE stock_movements (
        id bigserial PRIMARY KEY,
        product_id text COLLATE "C" NOT NULL REFERENCES stock (product_id),
        delta integer NOT NULL,
        on_hand_after integer NOT NULL,
        reason text NOT NULL,
        actor text NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX stock_movements_product_at_idx ON stock_movements (product_id, at)');

    await q.query(`
      CREATE TABLE reservations (
        order_id text PRIMARY KEY,
        status varchar(16) NOT NULL,
        failure_reason varchar(32),
        failed_product_ids text[],
        expires_at timestamptz(3) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT reservations_status_check CHECK (status IN ('ACTIVE', 'RELEASED', 'COMMITTED', 'FAILED'))
      )`);
    // The sweeper only ever looks at ACTIVE reservations by expiry.
    await q.query(`CREATE INDEX reservations_active_expiry_idx ON reservations (expires_at) WHERE status = 'ACTIVE'`);

    await q.query(`
      CREATE TABLE reservation_lines (
        order_id text NOT NULL REFERENCES reservations (order_id) ON DELETE CASCADE,
        product_id text COLLATE "C" NOT NULL,
        quantity integer NOT NULL,
        PRIMARY KEY (order_id, product_id),
        CONSTRAINT reservation_lines_quantity_positive CHECK (quantity > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reservation_lines');
    await q.query('DROP TABLE reservations');
    await q.query('DROP TABLE stock_movements');
    await q.query('DROP TABLE stock');
  }
}
