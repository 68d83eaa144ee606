import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Product } from './product.type';
import { StockLevel } from './stock-level.type';

@ObjectType({ description: 'Result of setStock and adjustStock: the product and its stock after the change, or errors.' })
export class StockPayload {
  @Field(() => Product, { nullable: true, description: 'The product whose stock changed.' })
  product!: Product | null;

  @Field(() => StockLevel, { nullable: true, description: 'Its stock after the change.' })
  stock!: StockLevel | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(product: Product): StockPayload {
    return Object.assign(new StockPayload(), { product, stock: product.stock, errors: [] });
  }

  static failed(...errors: UserError[]): StockPayload {
    return Object.assign(new StockPayload(), { product: null, stock: null, errors });
  }
}
