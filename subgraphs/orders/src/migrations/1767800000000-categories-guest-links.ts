import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Category slugs in the product replica (products.v1 `categorySlugs`): checkout applies a
 * category-limited promotion to the lines whose product is in one of its categories. NULL: no
 * event carrying them has come yet (the product is in no category as far as pricing knows).
 * Guest orders linked to an account (issue 14): once the account verified the email
 * (users.v1 EmailVerified), the guest customer record of that email names the account
 * (`linked_customer_id`, as of `linked_at` = the verification) and its orders move to the account;
 * `orders.guest_customer_id` keeps the guest record an order was placed under.
 */
export class CategoriesGuestLinks1767800000000 implements MigrationInterface {
  name = 'CategoriesGuestLinks1767800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE product_replica ADD COLUMN category_slugs text[]');
    await q.query('ALTER TABLE guest_customers ADD COLUMN linked_customer_id text');
    await q.query('ALTER TABLE guest_customers ADD COLUMN linked_at timestamptz(3)');
    await q.query('ALTER TABLE orders ADD COLUMN guest_customer_id uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE orders DROP COLUMN guest_customer_id');
    await q.query('ALTER TABLE guest_customers DROP COLUMN linked_at');
    await q.query('ALTER TABLE guest_customers DROP COLUMN linked_customer_id');
    await q.query('ALTER TABLE product_replica DROP COLUMN category_slugs');
  }
}
