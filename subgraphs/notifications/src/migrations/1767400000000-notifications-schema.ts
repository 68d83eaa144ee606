import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notifications (history + send state), preferences, and the projections of addresses and orders that emails need. */
export class NotificationsSchema1767400000000 implements MigrationInterface {
  name = 'NotificationsSchema1767400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        kind varchar(24) NOT NULL,
        channel varchar(8) NOT NULL DEFAULT 'EMAIL',
        user_id text,
        order_id text,
        recipient text,
        subject text NOT NULL,
        data jsonb,
        status varchar(12) NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        in_flight boolean NOT NULL DEFAULT false,
        last_error text,
        next_attempt_at timestamptz(3) NOT NULL DEFAULT now(),
        lease_until timestamptz(3) NOT NULL DEFAULT now(),
        source_event_type text NOT NULL,
        resend_of uuid REFERENCES notifications (id),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        sent_at timestamptz(3),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT notifications_status_check CHECK (status IN ('PENDING', 'SENT', 'FAILED', 'SUPPRESSED')),
        CONSTRAINT notifications_kind_check CHECK (kind IN ('WELCOME', 'EMAIL_VERIFICATION', 'PASSWORD_RESET', 'PASSWORD_CHANGED', 'ORDER_CONFIRMED',
          'ORDER_CANCELLED', 'ORDER_SHIPPED', 'ORDER_DELIVERED', 'REFUND_ISSUED', 'RETURN_UPDATED'))
      )`);
    // History per user, newest first; the dispatcher only ever looks at PENDING rows.
    await q.query('CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC)');
    await q.query(`CREATE INDEX notifications_pending_idx ON notifications (next_attempt_at) WHERE status = 'PENDING'`);

    await q.query(`
      CREATE TABLE notification_preferences (
        user_id text PRIMARY KEY,
        order_updates boolean NOT NULL,
        product_news boolean NOT NULL,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    // Where to write to: the newest address users.v1 announced for each user.
    await q.query(`
      CREATE TABLE recipients (
        user_id text PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        event_at timestamptz(3) NOT NULL
      )`);
    // What order mails show: the newest summary orders.v1 announced for each order.
    await q.query(`
      CREATE TABLE order_snapshots (
        order_id text PRIMARY KEY,
        customer_id text NOT NULL,
        version integer NOT NULL,
        summary jsonb
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE order_snapshots');
    await q.query('DROP TABLE recipients');
    await q.query('DROP TABLE notification_preferences');
    await q.query('DROP TABLE notifications');
  }
}
