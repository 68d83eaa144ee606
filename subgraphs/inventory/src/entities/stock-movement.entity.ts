import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Audit trail: one row per change of a product's on-hand quantity (who, how much, why). */
@Entity({ name: 'stock_movements' })
export class StockMovementEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'int' })
  delta!: number;

  @Column({ name: 'on_hand_after', type: 'int' })
  onHandAfter!: number;

  @Column({ type: 'text' })
  reason!: string;

  /** A user id for admin changes, or `system:<component>` for event-driven ones. */
  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'timestamptz', precision: 3 })
  at!: Date;
}
