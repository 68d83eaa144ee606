import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns (issue 15): one row per (return, stock item) restocked, so a RestockReturn puts each
 * return line back on hand once, however often the command is delivered or sent.
 */
export class ReturnRestocks1767650000000 implements MigrationInterface {
  name = 'ReturnRestocks1767650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE return_restocks (
        return_id text NOT NULL,
        product_id text COLLATE "C" NOT NULL,
        order_id text NOT NULL,
        quantity integer NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (return_id, product_id),
        CONSTRAINT return_restocks_quantity_positive CHECK (quantity > 0)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE return_restocks');
  }
}
