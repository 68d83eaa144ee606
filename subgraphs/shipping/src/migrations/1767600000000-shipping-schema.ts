import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Shipping methods (revision grows with every change; archived = active false), the replica of
 * orders (status, version and lines from orders.v1), and shipments with their lines.
 */
export class ShippingSchema1767600000000 implements MigrationInterface {
  name = 'ShippingSchema1767600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE shipping_method (
        id uuid PRIMARY KEY,
        revision integer NOT NULL DEFAULT 1,
        name text NOT NULL,
        carrier text,
        description text,
        countries text[] NOT NULL,
        price integer NOT NULL CHECK (price >= 0),
        currency char(3) NOT NULL,
        free_over integer CHECK (free_over > 0),
        min_delivery_days integer CHECK (min_delivery_days >= 0),
        max_delivery_days integer CHECK (max_delivery_days >= 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE order_replica (
        order_id text COLLATE "C" PRIMARY KEY,
        customer_id text NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        lines jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE shipment (
        id uuid PRIMARY KEY,
        order_id text COLLATE "C" NOT NULL,
        carrier text NOT NULL,
        tracking_number text,
        tracking_url text,
        status text NOT NULL,
        shipped_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX shipment_order_idx ON shipment (order_id, shipped_at, id)`);
    await q.query(`
      CREATE TABLE shipment_line (
        shipment_id uuid NOT NULL REFERENCES shipment(id) ON DELETE CASCADE,
        product_id text NOT NULL,
        variant_id text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        PRIMARY KEY (shipment_id, product_id, variant_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE shipment_line');
    await q.query('DROP TABLE shipment');
    await q.query('DROP TABLE order_replica');
    await q.query('DROP TABLE shipping_method');
  }
}
