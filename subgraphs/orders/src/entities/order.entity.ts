import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { CancellationReason, OrderStatus } from '../domain/order-saga';
import type { ShippingAddressFields } from '../domain/order-input';

/** An order: its snapshot of lines (order_items), its saga state and its status history (order_status_history). */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Human-friendly number, e.g. SG-000123, from order_number_seq. */
  @Column({ type: 'text' })
  number!: string;

  /** The users subgraph's id of the buyer. */
  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: OrderStatus;

  @Column({ name: 'cancellation_reason', type: 'varchar', length: 20, nullable: true })
  cancellationReason!: CancellationReason | null;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'int' })
  subtotal!: number;

  @Column({ type: 'int' })
  total!: number;

  /** The checkout breakdown (the rest of it is read by checkout.service): discounts, shipping, tax. */
  @Column({ name: 'discount_total', type: 'int', default: 0 })
  discountTotal!: number;

  @Column({ name: 'shipping_total', type: 'int', default: 0 })
  shippingTotal!: number;

  @Column({ name: 'tax_total', type: 'int', default: 0 })
  taxTotal!: number;

  /** A guest order's email (the guest's), or a signed-in customer's account email as checkout found it. */
  @Column({ type: 'text', nullable: true })
  email?: string | null;

  /** Placed without a sign-in (stays true once linked to an account). */
  @Column({ type: 'boolean', default: false })
  guest?: boolean;

  @Column({ name: 'shipping_address', type: 'jsonb' })
  shippingAddress!: ShippingAddressFields;

  /** The provider token to authorize with; cleared once the saga has settled. */
  @Column({ name: 'payment_token', type: 'text', nullable: true })
  paymentToken!: string | null;

  @Column({ name: 'payment_captured', type: 'boolean' })
  paymentCaptured!: boolean;

  @Column({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  /** SHA-256 of the normalized placeOrder input (order-input.ts). */
  @Column({ name: 'input_hash', type: 'char', length: 64 })
  inputHash!: string;

  /** +1 on every status change; saga writes are conditional on it. */
  @Column({ type: 'int' })
  version!: number;

  /**
   * The earliest time the step the order waits on can time out (null when it waits on nothing):
   * nominally enqueued + timeout; the sweeper moves it to sent + timeout once the step's command
   * has left (saga-clock.ts). The command's outbox row id is in `step_command_id` (store-only).
   */
  @Column({ name: 'deadline_at', type: 'timestamptz', precision: 3, nullable: true })
  deadlineAt!: Date | null;

  @Column({ name: 'status_changed_at', type: 'timestamptz', precision: 3 })
  statusChangedAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
