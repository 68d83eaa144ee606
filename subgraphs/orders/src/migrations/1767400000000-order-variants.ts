import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cart and order lines per product variant. `variant_replica` is the price replica per variant
 * (fed by the variants ProductCreated/ProductUpdated carry); every product already replicated
 * gets its default variant (id, sku, price of the product), so existing carts keep pricing.
 * Order lines gain the variant id and snapshots of its sku, title and options; existing lines
 * are their product's default variant (title = product name, sku from the replica when known).
 */
export class OrderVariants1767400000000 implements MigrationInterface {
  name = 'OrderVariants1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE variant_replica (
        variant_id text PRIMARY KEY,
        product_id text NOT NULL,
        sku text NOT NULL,
        title text NOT NULL,
        options jsonb NOT NULL DEFAULT '[]',
        price_amount integer NOT NULL,
        currency char(3) NOT NULL,
        active boolean NOT NULL,
        source_occurred_at timestamptz(3) NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT variant_replica_price_nonnegative CHECK (price_amount >= 0)
      )`);
    // The product-based cart mutations look a product's variants up.
    await q.query('CREATE INDEX variant_replica_product_idx ON variant_replica (product_id)');
    await q.query(`
      INSERT INTO variant_replica (variant_id, product_id, sku, title, price_amount, currency, active, source_occurred_at)
      SELECT product_id, product_id, coalesce(sku, ''), name, price_amount, currency, true, source_occurred_at
        FROM product_replica WHERE name IS NOT NULL AND price_amount IS NOT NULL AND currency IS NOT NULL`);

    await q.query('ALTER TABLE order_items ADD COLUMN variant_id text');
    await q.query(`ALTER TABLE order_items ADD COLUMN sku text NOT NULL DEFAULT ''`);
    await q.query('ALTER TABLE order_items ADD COLUMN variant_title text');
    await q.query(`ALTER TABLE order_items ADD COLUMN variant_options jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`
      UPDATE order_items i SET variant_id = i.product_id, variant_title = i.product_name, sku = coalesce(r.sku, '')
        FROM order_items o LEFT JOIN product_replica r ON r.product_id = o.product_id
       WHERE i.order_id = o.order_id AND i.position = o.position`);
    await q.query('ALTER TABLE order_items ALTER COLUMN variant_id SET NOT NULL');
    await q.query('ALTER TABLE order_items ALTER COLUMN variant_title SET NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE order_items DROP COLUMN variant_options, DROP COLUMN variant_title, DROP COLUMN sku, DROP COLUMN variant_id');
    await q.query('DROP TABLE variant_replica');
  }
}
