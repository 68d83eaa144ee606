import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { productConnectionTypes } from '@shopgraph/kit';
import { StockLevel, toStockLevel, type StockRow } from './stock-level.type';

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id")')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;

  @Field(() => StockLevel, {
    nullable: true,
    description:
      'Stock of this product: the sum over its active variants (its default variant\'s for a product without options); all zeros until the warehouse has a record of it. Null only when the inventory service cannot answer (an error with code SUBGRAPH_UNAVAILABLE says so).',
  })
  stock!: StockLevel | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'True when at least one unit of an active variant can be ordered (stock.available > 0). Null only when the inventory service cannot answer (error code SUBGRAPH_UNAVAILABLE).',
  })
  inStock!: boolean | null;
}

/** A Product stub carrying its stock (a missing row reads as zero stock). */
export function toProduct(productId: string, row: StockRow | null): Product {
  const stock = toStockLevel(row);
  return Object.assign(new Product(), { id: productId, stock, inStock: stock.available > 0 });
}

const productPage = productConnectionTypes(Product);
/** A product in a page, with its cursor (the kit's shareable type around this subgraph's Product). */
export const ProductEdge = productPage.ProductEdge;
export type ProductEdge = InstanceType<typeof ProductEdge>;
/** A page of products (the kit's shareable type around this subgraph's Product). */
export const ProductConnection = productPage.ProductConnection;
export type ProductConnection = InstanceType<typeof ProductConnection>;
