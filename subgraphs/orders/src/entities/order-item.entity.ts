import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One line of an order, with the product's name and price as they were when it was placed. */
@Entity({ name: 'order_items' })
export class OrderItemEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  /** Line order within the order (0-based). */
  @PrimaryColumn({ type: 'smallint' })
  position!: number;

  @Column({ name: 'product_id', type: 'text' })
  productId!: string;

  @Column({ name: 'product_name', type: 'text' })
  productName!: string;

  /** Minor units, in the order's currency. */
  @Column({ name: 'unit_price', type: 'int' })
  unitPrice!: number;

  @Column({ type: 'int' })
  quantity!: number;
}
