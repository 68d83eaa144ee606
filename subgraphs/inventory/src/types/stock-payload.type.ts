import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Product } from './product.type';
import { ProductVariant } from './product-variant.type';
import { StockLevel } from './stock-level.type';

@ObjectType({ description: 'Result of a stock change: the product (stock summed over its variants), the variant and its stock after the change, or errors.' })
export class StockPayload {
  @Field(() => Product, { nullable: true, description: 'The product whose stock changed.' })
  product!: Product | null;

  @Field(() => StockLevel, { nullable: true, description: 'The changed variant\'s stock after the change (the product\'s own for a product without options).' })
  stock!: StockLevel | null;

  @Field(() => ProductVariant, { nullable: true, description: 'The variant whose stock changed (the product\'s default variant for setStock and adjustStock).' })
  variant!: ProductVariant | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(product: Product, variant: ProductVariant): StockPayload {
    return Object.assign(new StockPayload(), { product, variant, stock: variant.stock, errors: [] });
  }

  static failed(...errors: UserError[]): StockPayload {
    return Object.assign(new StockPayload(), { product: null, variant: null, stock: null, errors });
  }
}
