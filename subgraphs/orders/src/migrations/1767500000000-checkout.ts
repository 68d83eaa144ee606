import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Checkout (issue 14): tax rates, promotions and their uses, orders' replica of shipping methods
 * (fed by shipping.v1 ShippingMethodChanged, the highest revision kept), and the price breakdown an order stores. Existing orders get an empty
 * breakdown (no discounts, shipping or tax: their total was their subtotal).
 */
export class Checkout1767500000000 implements MigrationInterface {
  name = 'Checkout1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tax_rates (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        country char(2) NOT NULL,
        region text NOT NULL DEFAULT '',
        rate_basis_points integer NOT NULL,
        applies_to_shipping boolean NOT NULL DEFAULT false,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT tax_rates_place UNIQUE (country, region),
        CONSTRAINT tax_rates_rate_range CHECK (rate_basis_points BETWEEN 0 AND 10000)
      )`);

    await q.query(`
      CREATE TABLE promotions (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        code text,
        kind varchar(20) NOT NULL,
        value integer NOT NULL,
        min_subtotal integer,
        category_slugs text[] NOT NULL DEFAULT '{}',
        starts_at timestamptz(3),
        ends_at timestamptz(3),
        usage_limit integer,
        per_customer_limit integer,
        usage_count integer NOT NULL DEFAULT 0,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT promotions_kind_check CHECK (kind IN ('PERCENTAGE', 'FIXED_AMOUNT', 'FREE_SHIPPING')),
        CONSTRAINT promotions_value_check CHECK (value >= 0 AND (kind <> 'PERCENTAGE' OR value <= 10000)),
        CONSTRAINT promotions_usage_check CHECK (usage_count >= 0 AND (usage_limit IS NULL OR usage_count <= usage_limit))
      )`);
    // Codes are case-insensitive and unique among active promotions.
    await q.query('CREATE UNIQUE INDEX promotions_code_idx ON promotions (upper(code)) WHERE code IS NOT NULL AND active');
    await q.query('CREATE INDEX promotions_created_idx ON promotions (created_at DESC, id DESC)');

    // One row per order that used a promotion; released_at set when the order was cancelled (its use given back).
    await q.query(`
      CREATE TABLE promotion_uses (
        promotion_id uuid NOT NULL REFERENCES promotions (id),
        order_id uuid NOT NULL,
        customer_id text NOT NULL,
        used_at timestamptz(3) NOT NULL DEFAULT now(),
        released_at timestamptz(3),
        PRIMARY KEY (promotion_id, order_id)
      )`);
    await q.query('CREATE INDEX promotion_uses_customer_idx ON promotion_uses (promotion_id, customer_id) WHERE released_at IS NULL');
    await q.query('CREATE INDEX promotion_uses_order_idx ON promotion_uses (order_id)');

    await q.query(`
      CREATE TABLE shipping_method_replica (
        id text PRIMARY KEY,
        name text NOT NULL,
        carrier text,
        description text,
        countries text[] NOT NULL,
        price_amount integer NOT NULL,
        currency char(3) NOT NULL,
        free_over integer,
        min_delivery_days integer,
        max_delivery_days integer,
        active boolean NOT NULL,
        revision integer NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);

    await q.query(`
      ALTER TABLE orders
        ADD COLUMN discount_total integer NOT NULL DEFAULT 0,
        ADD COLUMN shipping_total integer NOT NULL DEFAULT 0,
        ADD COLUMN tax_total integer NOT NULL DEFAULT 0,
        ADD COLUMN prices_include_tax boolean NOT NULL DEFAULT false,
        ADD COLUMN discounts jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN tax_lines jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN shipping_method jsonb,
        ADD COLUMN email text,
        ADD COLUMN guest boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE order_items ADD COLUMN discount integer NOT NULL DEFAULT 0, ADD COLUMN tax integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE order_items DROP COLUMN tax, DROP COLUMN discount');
    await q.query(`
      ALTER TABLE orders DROP COLUMN guest, DROP COLUMN email, DROP COLUMN shipping_method, DROP COLUMN tax_lines,
        DROP COLUMN discounts, DROP COLUMN prices_include_tax, DROP COLUMN tax_total, DROP COLUMN shipping_total, DROP COLUMN discount_total`);
    await q.query('DROP TABLE shipping_method_replica');
    await q.query('DROP TABLE promotion_uses');
    await q.query('DROP TABLE promotions');
    await q.query('DROP TABLE tax_rates');
  }
}
