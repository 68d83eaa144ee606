import { In, type DataSource, type EntityManager } from 'typeorm';
import { PaymentEntity, type PaymentStatusValue } from '../entities/payment.entity';
import { RefundEntity } from '../entities/refund.entity';

const PAYMENT_COLUMNS = `
  id, order_id AS "orderId", customer_id AS "customerId", amount, currency, payment_token AS "paymentToken", status,
  provider_charge_id AS "providerChargeId", card_brand AS "cardBrand", card_last4 AS "cardLast4",
  failure_reason AS "failureReason", outcome_unknown AS "outcomeUnknown", refunded_amount AS "refundedAmount",
  refund_pending_amount AS "refundPendingAmount", correlation_id AS "correlationId", causation_id AS "causationId",
  traceparent, lease_until AS "leaseUntil", created_at AS "createdAt", updated_at AS "updatedAt"`;

const REFUND_COLUMNS = `
  id, payment_id AS "paymentId", amount, status, provider_refund_id AS "providerRefundId", failure_reason AS "failureReason",
  correlation_id AS "correlationId", causation_id AS "causationId", traceparent, lease_until AS "leaseUntil",
  created_at AS "createdAt", updated_at AS "updatedAt", return_id AS "returnId"`;

/** Where an event-driven change came from, kept on the row so a resumed one still carries it. */
export interface Origin {
  correlationId: string | null;
  causationId: string | null;
  traceparent: string | null;
}

export interface NewPayment extends Origin {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  paymentToken: string;
}

/** The final answer recorded on a PENDING payment. */
export type PaymentResult =
  | { status: 'CAPTURED'; providerChargeId: string; cardBrand: string | null; cardLast4: string | null }
  | { status: 'DECLINED' | 'FAILED'; failureReason: string; outcomeUnknown: boolean };

// raw `UPDATE … RETURNING` through TypeORM yields [rows, affectedCount]
const returned = <T>(result: unknown): T[] => (Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]));

/** Payments and refunds in PostgreSQL; every state change is one conditional statement. */
export class PaymentStore {
  constructor(private readonly dataSource: DataSource) {}

  findByIds(ids: readonly string[]): Promise<PaymentEntity[]> {
    return this.dataSource.getRepository(PaymentEntity).findBy({ id: In([...ids]) });
  }

  findByOrderIds(orderIds: readonly string[]): Promise<PaymentEntity[]> {
    return this.dataSource.getRepository(PaymentEntity).findBy({ orderId: In([...orderIds]) });
  }

  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<PaymentEntity | null> {
    const [row] = await manager.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE id = $1`, [id]);
    return row ?? null;
  }

  async findByOrderId(orderId: string, manager: EntityManager = this.dataSource.manager): Promise<PaymentEntity | null> {
    const [row] = await manager.query(`SELECT ${PAYMENT_COLUMNS} FROM payments WHERE order_id = $1`, [orderId]);
    return row ?? null;
  }

  /** Creates the PENDING payment, leased to the caller; null when the order already has one. */
  async insertPending(manager: EntityManager, payment: NewPayment, leaseMs: number): Promise<PaymentEntity | null> {
    const rows = await manager.query(
      `INSERT INTO payments (id, order_id, customer_id, amount, currency, payment_token, status, correlation_id, causation_id, traceparent, lease_until)
       VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $8, $9, now() + $10 * interval '1 millisecond')
       ON CONFLICT (order_id) DO NOTHING
       RETURNING ${PAYMENT_COLUMNS}`,
      [
        payment.id,
        payment.orderId,
        payment.customerId,
        payment.amount,
        payment.currency,
        payment.paymentToken,
        payment.correlationId,
        payment.causationId,
        payment.traceparent,
        leaseMs,
      ],
    );
    return rows[0] ?? null;
  }

  /** Records the provider's answer on a still-PENDING payment; null when someone else already did. */
  async recordResult(manager: EntityManager, paymentId: string, result: PaymentResult): Promise<PaymentEntity | null> {
    const captured = result.status === 'CAPTURED';
    const rows = returned<PaymentEntity>(
      await manager.query(
        `UPDATE payments SET status = $2, provider_charge_id = $3, card_brand = $4, card_last4 = $5, failure_reason = $6,
           outcome_unknown = $7, updated_at = now()
         WHERE id = $1 AND status = 'PENDING'
         RETURNING ${PAYMENT_COLUMNS}`,
        [
          paymentId,
          result.status,
          captured ? result.providerChargeId : null,
          captured ? result.cardBrand : null,
          captured ? result.cardLast4 : null,
          captured ? null : result.failureReason,
          captured ? false : result.outcomeUnknown,
        ],
      ),
    );
    return rows[0] ?? null;
  }

  /**
   * Takes over up to `limit` PENDING payments whose lease expired (their process died or gave up)
   * and leases them to the caller; SKIP LOCKED keeps two replicas from taking the same one.
   */
  async claimStalePending(leaseMs: number, limit = 20): Promise<PaymentEntity[]> {
    return this.claim(`status = 'PENDING'`, leaseMs, limit);
  }

  /** Takes over FAILED payments whose outcome was unknown (a charge may have landed late), from the last day. */
  async claimUnknownFailures(leaseMs: number, limit = 20): Promise<PaymentEntity[]> {
    return this.claim(`status = 'FAILED' AND outcome_unknown AND created_at > now() - interval '1 day'`, leaseMs, limit);
  }

  private async claim(condition: string, leaseMs: number, limit: number): Promise<PaymentEntity[]> {
    return returned<PaymentEntity>(
      await this.dataSource.query(
        `UPDATE payments SET lease_until = now() + $1 * interval '1 millisecond'
         WHERE id IN (
           SELECT id FROM payments WHERE (${condition}) AND lease_until < now()
           ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${PAYMENT_COLUMNS}`,
        [leaseMs, limit],
      ),
    );
  }

  /** A charge turned up for a payment recorded FAILED with an unknown outcome: it is CAPTURED after all. */
  async recordLateCapture(
    manager: EntityManager,
    paymentId: string,
    charge: { providerChargeId: string; cardBrand: string | null; cardLast4: string | null },
  ): Promise<PaymentEntity | null> {
    const rows = returned<PaymentEntity>(
      await manager.query(
        `UPDATE payments SET status = 'CAPTURED', provider_charge_id = $2, card_brand = $3, card_last4 = $4, failure_reason = NULL,
           outcome_unknown = false, updated_at = now()
         WHERE id = $1 AND status = 'FAILED' AND outcome_unknown
         RETURNING ${PAYMENT_COLUMNS}`,
        [paymentId, charge.providerChargeId, charge.cardBrand, charge.cardLast4],
      ),
    );
    return rows[0] ?? null;
  }

  /** The provider confirmed it holds no charge for this FAILED payment: stop checking. */
  async clearUnknownOutcome(paymentId: string): Promise<void> {
    await this.dataSource.query(`UPDATE payments SET outcome_unknown = false WHERE id = $1 AND status = 'FAILED'`, [paymentId]);
  }

  /**
   * Reserves a refund of `amount` (null = everything not yet refunded) against a CAPTURED payment
   * in one conditional UPDATE and records it PENDING, leased to the caller. Null when nothing was
   * reserved (unknown payment, not captured, or more than what is left).
   */
  async reserveRefund(
    manager: EntityManager,
    paymentId: string,
    amount: number | null,
    refundId: string,
    origin: Origin,
    leaseMs: number,
    returnId: string | null = null,
  ): Promise<{ payment: PaymentEntity; refund: RefundEntity } | null> {
    const [reserved] = returned<{ refundAmount: number }>(
      await manager.query(
        `WITH wanted AS (
           SELECT id, COALESCE($2::int, amount - refunded_amount - refund_pending_amount) AS x FROM payments WHERE id = $1)
         UPDATE payments p SET refund_pending_amount = p.refund_pending_amount + wanted.x, updated_at = now()
         FROM wanted
         WHERE p.id = wanted.id AND p.status = 'CAPTURED' AND wanted.x > 0
           AND p.refunded_amount + p.refund_pending_amount + wanted.x <= p.amount
         RETURNING wanted.x AS "refundAmount"`,
        [paymentId, amount],
      ),
    );
    if (!reserved) return null;
    const [refund] = await manager.query(
      `INSERT INTO refunds (id, payment_id, amount, status, correlation_id, causation_id, traceparent, lease_until, return_id)
       VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, now() + $7 * interval '1 millisecond', $8)
       RETURNING ${REFUND_COLUMNS}`,
      [refundId, paymentId, reserved.refundAmount, origin.correlationId, origin.causationId, origin.traceparent, leaseMs, returnId],
    );
    const payment = (await this.findById(paymentId, manager))!;
    return { payment, refund };
  }

  /** The refund (not FAILED) of a return, if there is one: a return is refunded once. */
  async refundOfReturn(manager: EntityManager, returnId: string): Promise<RefundEntity | null> {
    const [row] = await manager.query(`SELECT ${REFUND_COLUMNS} FROM refunds WHERE return_id = $1 AND status <> 'FAILED' FOR UPDATE`, [returnId]);
    return (row as RefundEntity | undefined) ?? null;
  }

  /** The provider refunded it: moves the amount from pending to refunded; REFUNDED once all is refunded. */
  async completeRefund(manager: EntityManager, refundId: string, providerRefundId: string): Promise<{ payment: PaymentEntity; refund: RefundEntity } | null> {
    const [refund] = returned<RefundEntity>(
      await manager.query(
        `UPDATE refunds SET status = 'SUCCEEDED', provider_refund_id = $2, updated_at = now()
         WHERE id = $1 AND status = 'PENDING' RETURNING ${REFUND_COLUMNS}`,
        [refundId, providerRefundId],
      ),
    );
    if (!refund) return null;
    const [payment] = returned<PaymentEntity>(
      await manager.query(
        `UPDATE payments SET refund_pending_amount = refund_pending_amount - $2, refunded_amount = refunded_amount + $2,
           status = CASE WHEN refunded_amount + $2 = amount THEN 'REFUNDED' ELSE status END, updated_at = now()
         WHERE id = $1 RETURNING ${PAYMENT_COLUMNS}`,
        [refund.paymentId, refund.amount],
      ),
    );
    return { payment, refund };
  }

  /** The provider refused it (or could not be reached without doubt): releases the reserved amount. */
  async failRefund(manager: EntityManager, refundId: string, reason: string): Promise<RefundEntity | null> {
    const [refund] = returned<RefundEntity>(
      await manager.query(
        `UPDATE refunds SET status = 'FAILED', failure_reason = $2, updated_at = now()
         WHERE id = $1 AND status = 'PENDING' RETURNING ${REFUND_COLUMNS}`,
        [refundId, reason],
      ),
    );
    if (!refund) return null;
    await manager.query(`UPDATE payments SET refund_pending_amount = refund_pending_amount - $2, updated_at = now() WHERE id = $1`, [
      refund.paymentId,
      refund.amount,
    ]);
    return refund;
  }

  /** Takes over PENDING refunds whose lease expired. */
  async claimStaleRefunds(leaseMs: number, limit = 20): Promise<RefundEntity[]> {
    return returned<RefundEntity>(
      await this.dataSource.query(
        `UPDATE refunds SET lease_until = now() + $1 * interval '1 millisecond'
         WHERE id IN (
           SELECT id FROM refunds WHERE status = 'PENDING' AND lease_until < now()
           ORDER BY lease_until LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING ${REFUND_COLUMNS}`,
        [leaseMs, limit],
      ),
    );
  }
}

export type { PaymentStatusValue };
