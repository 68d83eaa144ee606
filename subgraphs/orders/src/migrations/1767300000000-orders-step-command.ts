import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `orders.step_command_id`: the outbox id of the command the order's current step waits on
 * (ReserveStock while PENDING, AuthorizePayment while AWAITING_PAYMENT). The step's deadline counts
 * from that row's `sent_at` (services/saga-clock.ts). Orders from before have none: for them the
 * nominal `deadline_at` applies, as it did.
 */
export class OrdersStepCommand1767300000000 implements MigrationInterface {
  name = 'OrdersStepCommand1767300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE orders ADD COLUMN step_command_id uuid');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE orders DROP COLUMN step_command_id');
  }
}
