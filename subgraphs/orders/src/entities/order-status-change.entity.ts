import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { OrderStatus } from '../domain/order-saga';

/** One status an order went through; `version` is the order's version after that change. */
@Entity({ name: 'order_status_history' })
export class OrderStatusChangeEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @PrimaryColumn({ type: 'int' })
  version!: number;

  @Column({ type: 'varchar', length: 20 })
  status!: OrderStatus;

  /** For CANCELLED: the CancellationReason. */
  @Column({ type: 'text', nullable: true })
  reason!: string | null;

  @Column({ type: 'timestamptz', precision: 3 })
  at!: Date;
}
