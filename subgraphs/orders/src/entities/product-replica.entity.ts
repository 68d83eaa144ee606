import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The local copy of a product's name, price and availability, fed by products.v1 so carts and
 * orders price without calling the products subgraph. A ProductArchived seen before its
 * ProductCreated leaves a tombstone (active = false, no name or price).
 */
@Entity({ name: 'product_replica' })
export class ProductReplicaEntity {
  @PrimaryColumn({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ type: 'text', nullable: true })
  sku!: string | null;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ name: 'price_amount', type: 'int', nullable: true })
  priceAmount!: number | null;

  @Column({ type: 'char', length: 3, nullable: true })
  currency!: string | null;

  @Column({ type: 'boolean' })
  active!: boolean;

  /** occurredAt of the event that wrote this state: older events never overwrite it. */
  @Column({ name: 'source_occurred_at', type: 'timestamptz', precision: 3 })
  sourceOccurredAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt!: Date;
}
