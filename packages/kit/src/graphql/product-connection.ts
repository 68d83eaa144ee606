import { Directive, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { PageInfo } from './common.types';

/**
 * The shareable `ProductEdge`/`ProductConnection` pair that several subgraphs return (products'
 * catalog, inventory's lowStock), defined once. Each subgraph has its own `Product` class (its own
 * fields of the entity), so the pair is built around it; the emitted GraphQL types are identical.
 */
export function productConnectionTypes<P extends object>(Product: ClassType<P>) {
  @ObjectType('ProductEdge', { description: 'A product in a page, with its cursor.' })
  @Directive('@shareable')
  class ProductEdge {
    @Field(() => String, { description: 'Opaque cursor of this product; pass it as `after` for the next page.' })
    cursor!: string;

    @Field(() => Product, { description: 'The product.' })
    node!: P;
  }

  @ObjectType('ProductConnection', { description: 'A page of products.' })
  @Directive('@shareable')
  class ProductConnection {
    @Field(() => [ProductEdge], { description: 'The products of this page, in order.' })
    edges!: ProductEdge[];

    @Field(() => PageInfo, { description: 'Where this page sits in the whole list.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'How many products match, across all pages.' })
    totalCount!: number;
  }

  return { ProductEdge, ProductConnection };
}
