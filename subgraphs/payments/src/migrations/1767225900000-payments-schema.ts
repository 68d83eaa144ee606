import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Payments (one per order) and their refunds. */
export class PaymentsSchema1767225900000 implements MigrationInterface {
  name = 'PaymentsSchema1767225900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE payments (
        id uuid PRIMARY KEY,
        order_id text NOT NULL,
        customer_id text NOT NULL,
        amount integer NOT NULL,
        currency char(3) NOT NULL,
        payment_token text NOT NULL,
        status varchar(16) NOT NULL,
        provider_charge_id text,
        card_brand text,
        card_last4 text,
        failure_reason text,
        outcome_unknown boolean NOT NULL DEFAULT false,
        refunded_amount integer NOT NULL DEFAULT 0,
        refund_pending_amount integer NOT NULL DEFAULT 0,
        correlation_id text,
        causation_id text,
        traceparent text,
        lease_until timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT payments_order_id_unique UNIQUE (order_id),
        CONSTRAINT payments_status_check CHECK (status IN ('PENDING', 'AUTHORIZED', 'CAPTURED', 'DECLINED', 'FAILED', 'REFUNDED')),
        CONSTRAINT payments_amount_nonnegative CHECK (amount >= 0),
        CONSTRAINT payments_refunds_within_amount CHECK (
          refunded_amount >= 0 AND refund_pending_amount >= 0 AND refunded_amount + refund_pending_amount <= amount
        )
      )`);
    // The recovery loop only looks at unfinished payments (and failures whose outcome was unknown), by lease.
    await q.query(`CREATE INDEX payments_unfinished_lease_idx ON payments (lease_until) WHERE status = 'PENDING' OR outcome_unknown`);

    await q.query(`
      CREATE TABLE refunds (
        id uuid PRIMARY KEY,
        payment_id uuid NOT NULL REFERENCES payments (id),
        amount integer NOT NULL,
        status varchar(16) NOT NULL,
        provider_refund_id text,
        failure_reason text,
        correlation_id text,
        causation_id text,
        traceparent text,
        lease_until timestamptz(3) NOT NULL DEFAULT now(),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT refunds_amount_positive CHECK (amount > 0),
        CONSTRAINT refunds_status_check CHECK (status IN ('PENDING', 'SUCCEEDED', 'FAILED'))
      )`);
    await q.query('CREATE INDEX refunds_payment_idx ON refunds (payment_id)');
    await q.query(`CREATE INDEX refunds_pending_lease_idx ON refunds (lease_until) WHERE status = 'PENDING'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE refunds');
    await q.query('DROP TABLE payments');
  }
}
