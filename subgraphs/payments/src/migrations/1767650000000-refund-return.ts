import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Returns (issue 15): a refund may be for a return of the order (RefundPayment.returnId). At most
 * one refund that has not failed per return, so a RefundPayment sent again never refunds twice.
 */
export class RefundReturn1767650000000 implements MigrationInterface {
  name = 'RefundReturn1767650000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE refunds ADD COLUMN return_id text');
    await q.query(`CREATE UNIQUE INDEX refunds_return_id_idx ON refunds (return_id) WHERE return_id IS NOT NULL AND status <> 'FAILED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX refunds_return_id_idx');
    await q.query('ALTER TABLE refunds DROP COLUMN return_id');
  }
}
