import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns (issue 15): a customer's return of delivered lines of an order, its lines, and when
 * inventory restocked it and payments refunded it (the replies to RestockReturn/RefundPayment).
 */
export class Returns1767650000000 implements MigrationInterface {
  name = 'Returns1767650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE returns (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders (id),
        customer_id text NOT NULL,
        status varchar(16) NOT NULL,
        reason text NOT NULL,
        rejection_reason text,
        refund_amount integer,
        currency char(3) NOT NULL,
        restocked_at timestamptz(3),
        refunded_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT returns_status_check CHECK (status IN ('REQUESTED', 'APPROVED', 'REJECTED', 'RECEIVED', 'REFUNDED')),
        CONSTRAINT returns_refund_amount_check CHECK (refund_amount IS NULL OR refund_amount >= 0)
      )`);
    await q.query('CREATE INDEX returns_order_idx ON returns (order_id, created_at)');
    await q.query('CREATE INDEX returns_created_idx ON returns (created_at DESC, id DESC)');
    await q.query('CREATE INDEX returns_status_created_idx ON returns (status, created_at DESC, id DESC)');
    await q.query(`
      CREATE TABLE return_lines (
        return_id uuid NOT NULL REFERENCES returns (id) ON DELETE CASCADE,
        product_id text NOT NULL,
        variant_id text NOT NULL,
        quantity integer NOT NULL,
        position smallint NOT NULL,
        PRIMARY KEY (return_id, product_id, variant_id),
        CONSTRAINT return_lines_quantity_positive CHECK (quantity > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE return_lines');
    await q.query('DROP TABLE returns');
  }
}
