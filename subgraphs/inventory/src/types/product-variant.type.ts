import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { StockLevel, toStockLevel, type StockRow } from './stock-level.type';

@ObjectType({ description: 'One sellable version of a product. Owned by the products subgraph; inventory adds its stock.' })
@Directive('@key(fields: "id")')
export class ProductVariant {
  @Field(() => ID, { description: 'Stable unique id (the product\'s id for a default variant).' })
  id!: string;

  @Field(() => StockLevel, {
    nullable: true,
    description:
      'Stock of this variant; all zeros until the warehouse has a record of it. Null only when the inventory service cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so).',
  })
  stock!: StockLevel | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True when at least one unit of this variant can be ordered. Null only when the inventory service cannot answer (error code SUBGRAPH_UNAVAILABLE).',
  })
  inStock!: boolean | null;
}

/** A ProductVariant stub carrying its stock (a missing row reads as zero stock). */
export function toProductVariant(variantId: string, row: StockRow | null): ProductVariant {
  const stock = toStockLevel(row);
  return Object.assign(new ProductVariant(), { id: variantId, stock, inStock: stock.available > 0 });
}
