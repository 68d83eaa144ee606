import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Where a payment stands. The sandbox captures at once, so AUTHORIZED is only for a provider that authorizes first. */
export type PaymentStatusValue = 'PENDING' | 'AUTHORIZED' | 'CAPTURED' | 'DECLINED' | 'FAILED' | 'REFUNDED';

/** One order's payment: the amount asked for, the provider's answer and what has been refunded. */
@Entity({ name: 'payments' })
export class PaymentEntity {
  /** Also the idempotency key of the provider charge, so a retry can never charge twice. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** The orders subgraph's id, kept as an opaque string; one payment per order. */
  @Column({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'int' })
  amount!: number;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ name: 'payment_token', type: 'text' })
  paymentToken!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: PaymentStatusValue;

  @Column({ name: 'provider_charge_id', type: 'text', nullable: true })
  providerChargeId!: string | null;

  @Column({ name: 'card_brand', type: 'text', nullable: true })
  cardBrand!: string | null;

  @Column({ name: 'card_last4', type: 'text', nullable: true })
  cardLast4!: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** FAILED while a provider call's outcome was unknown: the recovery loop still checks for a late charge. */
  @Column({ name: 'outcome_unknown', type: 'boolean' })
  outcomeUnknown!: boolean;

  /** Refunds the provider confirmed. */
  @Column({ name: 'refunded_amount', type: 'int' })
  refundedAmount!: number;

  /** Refunds asked of the provider and not yet confirmed; they count against what may still be refunded. */
  @Column({ name: 'refund_pending_amount', type: 'int' })
  refundPendingAmount!: number;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;

  @Column({ name: 'causation_id', type: 'text', nullable: true })
  causationId!: string | null;

  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;

  /** Until then the process that set it owns this PENDING payment; afterwards any recovery loop may resume it. */
  @Column({ name: 'lease_until', type: 'timestamptz', precision: 3 })
  leaseUntil!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
