import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Adds RETURNED: a COMMITTED (sold) reservation whose units came back when its order was cancelled. */
export class ReturnedReservations1767225800000 implements MigrationInterface {
  name = 'ReturnedReservations1767225800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reservations DROP CONSTRAINT reservations_status_check');
    await q.query(`ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('ACTIVE', 'RELEASED', 'COMMITTED', 'RETURNED', 'FAILED'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE reservations DROP CONSTRAINT reservations_status_check');
    await q.query(`ALTER TABLE reservations ADD CONSTRAINT reservations_status_check CHECK (status IN ('ACTIVE', 'RELEASED', 'COMMITTED', 'FAILED'))`);
  }
}
