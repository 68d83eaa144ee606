import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The folded figures, one row per minute (UTC, by the event's own time): sales counters and money,
 * units and revenue per product, cancellations per reason. Rows only exist for minutes with
 * activity; every roll-up (hour, day, week, month) is summed from them at query time.
 */
export class AnalyticsSchema1767500000000 implements MigrationInterface {
  name = 'AnalyticsSchema1767500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sales_minute (
        minute timestamptz PRIMARY KEY,
        carts_created integer NOT NULL DEFAULT 0,
        orders_placed integer NOT NULL DEFAULT 0,
        orders_confirmed integer NOT NULL DEFAULT 0,
        orders_cancelled integer NOT NULL DEFAULT 0,
        items_sold integer NOT NULL DEFAULT 0,
        revenue bigint NOT NULL DEFAULT 0,
        refunds bigint NOT NULL DEFAULT 0,
        confirmed_value bigint NOT NULL DEFAULT 0,
        CONSTRAINT sales_minute_aligned CHECK (date_trunc('minute', minute) = minute)
      )`);
    await q.query(`
      CREATE TABLE product_sales_minute (
        minute timestamptz NOT NULL,
        product_id text COLLATE "C" NOT NULL,
        units integer NOT NULL DEFAULT 0,
        revenue bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (minute, product_id)
      )`);
    await q.query(`
      CREATE TABLE cancellations_minute (
        minute timestamptz NOT NULL,
        reason text NOT NULL,
        count integer NOT NULL DEFAULT 0,
        PRIMARY KEY (minute, reason)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE cancellations_minute');
    await q.query('DROP TABLE product_sales_minute');
    await q.query('DROP TABLE sales_minute');
  }
}
