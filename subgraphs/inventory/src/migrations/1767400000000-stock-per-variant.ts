import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stock per product variant. A stock row's `product_id` (and a reservation line's, and a
 * movement's) is the stock item: a variant id, which for a product without options is the
 * product's own id. So every existing row is already its product's default variant's, and only
 * gains `parent_product_id` (the product the variant belongs to: itself for a default variant)
 * and `active` (false once the variant is archived; Product.stock sums active variants only).
 */
export class StockPerVariant1767400000000 implements MigrationInterface {
  name = 'StockPerVariant1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE stock ADD COLUMN parent_product_id text COLLATE "C"');
    await q.query('UPDATE stock SET parent_product_id = product_id');
    // A row written without a parent (a replica from before variants, during a rolling deploy) is
    // a default variant: its own product.
    await q.query(`
      CREATE FUNCTION stock_default_parent() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.parent_product_id := coalesce(NEW.parent_product_id, NEW.product_id);
        RETURN NEW;
      END $$`);
    await q.query('CREATE TRIGGER stock_default_parent BEFORE INSERT ON stock FOR EACH ROW EXECUTE FUNCTION stock_default_parent()');
    await q.query('ALTER TABLE stock ALTER COLUMN parent_product_id SET NOT NULL');
    await q.query('ALTER TABLE stock ADD COLUMN active boolean NOT NULL DEFAULT true');
    // Product.stock sums a product's rows: one index scan per batch of products.
    await q.query('CREATE INDEX stock_parent_product_idx ON stock (parent_product_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX stock_parent_product_idx');
    await q.query('ALTER TABLE stock DROP COLUMN active');
    await q.query('DROP TRIGGER stock_default_parent ON stock');
    await q.query('DROP FUNCTION stock_default_parent()');
    await q.query('ALTER TABLE stock DROP COLUMN parent_product_id');
  }
}
