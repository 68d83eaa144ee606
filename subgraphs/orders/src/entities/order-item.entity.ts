import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One line of an order: a product variant, with its name, sku, title and price as they were when it was placed. */
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

  /** The variant ordered (the product's id for its default variant). */
  @Column({ name: 'variant_id', type: 'text' })
  variantId!: string;

  /** The variant's sku when ordered. */
  @Column({ type: 'text' })
  sku!: string;

  /** The variant's title when ordered ("M / Red"; the product name for a default variant). */
  @Column({ name: 'variant_title', type: 'text' })
  variantTitle!: string;

  /** The variant's options when ordered. */
  @Column({ name: 'variant_options', type: 'jsonb' })
  variantOptions!: { name: string; value: string }[];

  /** Minor units, in the order's currency. */
  @Column({ name: 'unit_price', type: 'int' })
  unitPrice!: number;

  @Column({ type: 'int' })
  quantity!: number;
}
