import { Field, ObjectType } from 'type-graphql';
import { UserError } from '@shopgraph/kit';
import { Category } from './category.type';
import { Product } from './product.type';

@ObjectType({ description: 'Result of a change to a product: the product as it is now, or errors.' })
export class ProductPayload {
  @Field(() => Product, { nullable: true, description: 'The product after the change; null when it failed.' })
  product!: Product | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(product: Product | null, errors: UserError[] = []): ProductPayload {
    return Object.assign(new ProductPayload(), { product, errors });
  }
}

@ObjectType({ description: 'Result of creating a category: the category, or errors.' })
export class CategoryPayload {
  @Field(() => Category, { nullable: true, description: 'The new category; null when it failed.' })
  category!: Category | null;

  @Field(() => [UserError], { description: 'Why it failed (empty on success).' })
  errors!: UserError[];

  static of(category: Category | null, errors: UserError[] = []): CategoryPayload {
    return Object.assign(new CategoryPayload(), { category, errors });
  }
}
