import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ReservationEntity } from './reservation.entity';

/** One product and quantity of a reservation. */
@Entity({ name: 'reservation_lines' })
export class ReservationLineEntity {
  @PrimaryColumn({ name: 'order_id', type: 'text' })
  orderId!: string;

  @PrimaryColumn({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'int' })
  quantity!: number;

  @ManyToOne(() => ReservationEntity, (reservation) => reservation.lines, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'order_id' })
  reservation?: ReservationEntity;
}
