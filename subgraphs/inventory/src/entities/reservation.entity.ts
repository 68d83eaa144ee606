import { Column, Entity, OneToMany, PrimaryColumn } from 'typeorm';
import { ReservationLineEntity } from './reservation-line.entity';

/** ACTIVE holds stock; RELEASED and COMMITTED are final; FAILED records a refused reserve so a retry gets the same answer. */
export type ReservationStatus = 'ACTIVE' | 'RELEASED' | 'COMMITTED' | 'RETURNED' | 'FAILED';

/** The stock held for one order (at most one reservation per order). */
@Entity({ name: 'reservations' })
export class ReservationEntity {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ReservationStatus;

  @Column({ name: 'failure_reason', type: 'varchar', length: 32, nullable: true })
  failureReason!: string | null;

  @Column({ name: 'failed_product_ids', type: 'text', array: true, nullable: true })
  failedProductIds!: string[] | null;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;

  @OneToMany(() => ReservationLineEntity, (line) => line.reservation)
  lines?: ReservationLineEntity[];
}
