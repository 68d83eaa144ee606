import { Directive, Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id")')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

/** An entity reference the gateway completes from the products subgraph. */
export const productRef = (id: string): Product => Object.assign(new Product(), { id });

@ObjectType({ description: 'One sellable version of a product. Owned by the products subgraph; inventory adds its stock.' })
@Directive('@key(fields: "id")')
export class ProductVariant {
  @Field(() => ID, { description: 'Stable unique id (the product\'s id for a default variant).' })
  id!: string;
}

/** A variant reference the gateway completes from the products subgraph. */
export const variantRef = (id: string): ProductVariant => Object.assign(new ProductVariant(), { id });
