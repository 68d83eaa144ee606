import { Directive, Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Something the shop sells. Owned by the products subgraph; inventory and reviews add fields to it.' })
@Directive('@key(fields: "id")')
export class Product {
  @Field(() => ID, { description: 'Stable unique id (uuid).' })
  id!: string;
}

/** An entity reference the gateway completes from the products subgraph. */
export const productRef = (id: string): Product => Object.assign(new Product(), { id });
