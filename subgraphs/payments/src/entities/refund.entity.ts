import { Column, Entity, PrimaryColumn } from 'typeorm';

export type RefundStatusValue = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** One refund of (part of) a captured payment. */
@Entity({ name: 'refunds' })
export class RefundEntity {
  /** Also the idempotency key of the provider refund. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'payment_id', type: 'uuid' })
  paymentId!: string;

  @Column({ type: 'int' })
  amount!: number;

  @Column({ type: 'varchar', length: 16 })
  status!: RefundStatusValue;

  @Column({ name: 'provider_refund_id', type: 'text', nullable: true })
  providerRefundId!: string | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  /** The return of the order this refund is for (RefundPayment.returnId); null for other refunds. */
  @Column({ name: 'return_id', type: 'text', nullable: true })
  returnId!: string | null;

  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;

  @Column({ name: 'causation_id', type: 'text', nullable: true })
  causationId!: string | null;

  @Column({ type: 'text', nullable: true })
  traceparent!: string | null;

  @Column({ name: 'lease_until', type: 'timestamptz', precision: 3 })
  leaseUntil!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
