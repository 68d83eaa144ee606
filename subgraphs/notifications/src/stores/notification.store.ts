import type { DataSource, EntityManager } from 'typeorm';
import type { OrderSummary } from '@shopgraph/events';
import type { AnyData } from '../domain/notification-data';
import { SECRET_KINDS, type NotificationKind, type NotificationStatus, type Preferences } from '../domain/notification-kind';

/** A stored notification as the store returns it. */
export interface NotificationRow {
  id: string;
  kind: NotificationKind;
  channel: 'EMAIL';
  userId: string | null;
  orderId: string | null;
  recipient: string | null;
  subject: string;
  data: AnyData | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  sourceEventType: string;
  resendOf: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

/** A notification claimed for one SMTP attempt. */
export interface ClaimedNotification extends NotificationRow {
  /** The previous attempt started and never finished (its process died mid-send). */
  interrupted: boolean;
}

/** A new notification to record. */
export interface NewNotification {
  id: string;
  kind: NotificationKind;
  userId: string | null;
  orderId: string | null;
  recipient: string | null;
  subject: string;
  data: AnyData;
  status: 'PENDING' | 'SUPPRESSED';
  sourceEventType: string;
  resendOf?: string | null;
}

const COLUMNS = `n.id, n.kind, n.channel, n.user_id AS "userId", n.order_id AS "orderId", n.recipient, n.subject, n.data, n.status, n.attempts,
  n.last_error AS "lastError", n.source_event_type AS "sourceEventType", n.resend_of AS "resendOf", n.created_at AS "createdAt", n.sent_at AS "sentAt"`;

const SECRET = [...SECRET_KINDS];
type Db = DataSource | EntityManager;

/** TypeORM answers an UPDATE/DELETE with `[rows, rowCount]` and other statements with the rows: the rows either way. */
function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}

/** Notifications, preferences and the projections (addresses, orders) in PostgreSQL. */
export class NotificationStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a notification (once: the id is the event id, a repeat changes nothing). Returns false for a repeat. */
  async insert(db: Db, n: NewNotification): Promise<boolean> {
    const rows: unknown[] = await db.query(
      `INSERT INTO notifications (id, kind, user_id, order_id, recipient, subject, data, status, source_event_type, resend_of)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [n.id, n.kind, n.userId, n.orderId, n.recipient, n.subject, JSON.stringify(n.data), n.status, n.sourceEventType, n.resendOf ?? null],
    );
    return rows.length > 0;
  }

  async findById(id: string): Promise<NotificationRow | null> {
    const rows: NotificationRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM notifications n WHERE n.id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** One page of a user's history, newest first, after the cursor (createdAt, id); `limit` rows at most. */
  async history(userId: string, after: { createdAt: string; id: string } | null, limit: number): Promise<NotificationRow[]> {
    const params: unknown[] = [userId, limit];
    let where = 'n.user_id = $1';
    if (after) {
      params.push(after.createdAt, after.id);
      where += ' AND (n.created_at, n.id) < ($3::timestamptz, $4::uuid)';
    }
    return this.dataSource.query(
      `SELECT ${COLUMNS} FROM notifications n WHERE ${where} ORDER BY n.created_at DESC, n.id DESC LIMIT $2`,
      params,
    );
  }

  async countFor(userId: string): Promise<number> {
    const [row] = await this.dataSource.query('SELECT count(*)::int AS count FROM notifications WHERE user_id = $1', [userId]);
    return row.count;
  }

  /**
   * Fills in what later events taught: the customer of a refund whose order was unknown when it
   * was recorded, and the address of a user whose UserRegistered had not arrived yet. Then fails
   * what is still unaddressable after `recipientWaitMs`. Returns how many rows failed.
   */
  async resolvePending(recipientWaitMs: number): Promise<number> {
    await this.dataSource.query(
      `UPDATE notifications n SET user_id = o.customer_id, updated_at = now()
       FROM order_snapshots o WHERE n.status = 'PENDING' AND n.user_id IS NULL AND n.order_id = o.order_id`,
    );
    await this.dataSource.query(
      `UPDATE notifications n SET recipient = r.email, updated_at = now()
       FROM recipients r WHERE n.status = 'PENDING' AND n.recipient IS NULL AND n.user_id = r.user_id`,
    );
    const failed = rowsOf(
      await this.dataSource.query(
        `UPDATE notifications SET status = 'FAILED', last_error = 'no email address known for the user', updated_at = now(),
         data = CASE WHEN kind = ANY($2) THEN NULL ELSE data END
       WHERE status = 'PENDING' AND recipient IS NULL AND created_at < now() - $1 * interval '1 millisecond' RETURNING id`,
        [recipientWaitMs, SECRET],
      ),
    );
    return failed.length;
  }

  /**
   * Claims up to `limit` due notifications for one SMTP attempt each: counts the attempt, marks it
   * in flight and leases the row for `leaseMs` (SKIP LOCKED: replicas never claim the same row).
   * A row still in flight whose lease ran out belonged to a process that died mid-send.
   */
  async claimDue(limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
    return rowsOf<ClaimedNotification>(
      await this.dataSource.query(
        `WITH due AS (
         SELECT id, in_flight AS interrupted FROM notifications
         WHERE status = 'PENDING' AND recipient IS NOT NULL AND next_attempt_at <= now() AND lease_until <= now()
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE notifications n SET attempts = n.attempts + 1, in_flight = true, lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
       FROM due WHERE n.id = due.id
       RETURNING ${COLUMNS}, due.interrupted`,
        [limit, leaseMs],
      ),
    );
  }

  /** Records that the SMTP server accepted the message. Secret data (tokens) is erased. */
  async markSent(id: string): Promise<boolean> {
    const rows = rowsOf(
      await this.dataSource.query(
        `UPDATE notifications SET status = 'SENT', sent_at = now(), in_flight = false, last_error = NULL, lease_until = now(), updated_at = now(),
         data = CASE WHEN kind = ANY($2) THEN NULL ELSE data END
       WHERE id = $1 AND status = 'PENDING' RETURNING id`,
        [id, SECRET],
      ),
    );
    return rows.length > 0;
  }

  /** Records a failed attempt: PENDING again after `retryInMs`, or FAILED (secret data erased). */
  async markAttemptFailed(
    id: string,
    outcome: { status: 'FAILED' } | { status: 'PENDING'; retryInMs: number },
    reason: string,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE notifications SET status = $2::varchar, in_flight = false, last_error = $3, lease_until = now(), updated_at = now(),
         next_attempt_at = now() + $4 * interval '1 millisecond',
         data = CASE WHEN $2::varchar = 'FAILED' AND kind = ANY($5) THEN NULL ELSE data END
       WHERE id = $1 AND status = 'PENDING'`,
      [id, outcome.status, reason, outcome.status === 'PENDING' ? outcome.retryInMs : 0, SECRET],
    );
  }

  /** The earliest time a PENDING notification becomes due (for the dispatcher's next wake-up), or null. */
  async nextDueAt(): Promise<Date | null> {
    const [row] = await this.dataSource.query(
      `SELECT min(greatest(next_attempt_at, lease_until)) AS at FROM notifications WHERE status = 'PENDING' AND recipient IS NOT NULL`,
    );
    return row?.at ? new Date(row.at) : null;
  }

  // ---- projections ------------------------------------------------------------------------

  /** Keeps the newest address of a user (events may arrive out of order across partitions). */
  async upsertRecipient(db: Db, userId: string, email: string, name: string, eventAt: string): Promise<void> {
    await db.query(
      `INSERT INTO recipients (user_id, email, name, event_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, event_at = EXCLUDED.event_at
       WHERE recipients.event_at <= EXCLUDED.event_at`,
      [userId, email, name, eventAt],
    );
  }

  async recipientsOf(userIds: string[]): Promise<Map<string, { email: string; name: string }>> {
    if (userIds.length === 0) return new Map();
    const rows: { userId: string; email: string; name: string }[] = await this.dataSource.query(
      'SELECT user_id AS "userId", email, name FROM recipients WHERE user_id = ANY($1)',
      [userIds],
    );
    return new Map(rows.map((r) => [r.userId, { email: r.email, name: r.name }]));
  }

  /** Keeps the newest version of an order (a summary-less event keeps the summary already known). */
  async upsertOrder(db: Db, orderId: string, customerId: string, version: number, summary: OrderSummary | null): Promise<void> {
    await db.query(
      `INSERT INTO order_snapshots (order_id, customer_id, version, summary) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (order_id) DO UPDATE SET customer_id = EXCLUDED.customer_id, version = EXCLUDED.version,
         summary = COALESCE(EXCLUDED.summary, order_snapshots.summary)
       WHERE order_snapshots.version <= EXCLUDED.version`,
      [orderId, customerId, version, summary ? JSON.stringify(summary) : null],
    );
  }

  async orderOf(db: Db | null, orderId: string): Promise<{ customerId: string; summary: OrderSummary | null } | null> {
    const rows: { customerId: string; summary: OrderSummary | null }[] = await (db ?? this.dataSource).query(
      'SELECT customer_id AS "customerId", summary FROM order_snapshots WHERE order_id = $1',
      [orderId],
    );
    return rows[0] ?? null;
  }

  async preferencesOf(db: Db, userId: string): Promise<Preferences | null> {
    const rows: Preferences[] = await db.query(
      'SELECT order_updates AS "orderUpdates", product_news AS "productNews" FROM notification_preferences WHERE user_id = $1',
      [userId],
    );
    return rows[0] ?? null;
  }

  /** Changes the given preferences (others keep their value, or the default for a first choice); returns them all. */
  async savePreferences(userId: string, change: Partial<Preferences>, defaults: Preferences): Promise<Preferences> {
    const [row] = await this.dataSource.query(
      `INSERT INTO notification_preferences (user_id, order_updates, product_news) VALUES ($1, COALESCE($2::boolean, $4::boolean), COALESCE($3::boolean, $5::boolean))
       ON CONFLICT (user_id) DO UPDATE SET order_updates = COALESCE($2::boolean, notification_preferences.order_updates),
         product_news = COALESCE($3::boolean, notification_preferences.product_news), updated_at = now()
       RETURNING order_updates AS "orderUpdates", product_news AS "productNews"`,
      [userId, change.orderUpdates ?? null, change.productNews ?? null, defaults.orderUpdates, defaults.productNews],
    );
    return row;
  }
}
