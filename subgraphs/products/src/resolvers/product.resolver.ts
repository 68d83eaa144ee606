import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { ProductsContext } from '../context';
import { Category, toCategory } from '../types/category.type';
import { ProductPayload } from '../types/payloads.type';
import { ProductFilter } from '../types/product-filter.input';
import { ProductSort } from '../types/product-sort.enum';
import { CreateProductInput, UpdateProductInput } from '../types/product.input';
import { Product, ProductConnection } from '../types/product.type';

/** Queries and ADMIN mutations on products, and Product.category. */
@Resolver(() => Product)
export class ProductResolver {
  @Query(() => Product, {
    nullable: true,
    description: 'A product by id or by slug (pass exactly one). Archived products are returned too, with active = false; null when there is none.',
  })
  product(
    @Arg('id', () => ID, { nullable: true, description: 'The product id.' }) id: string | null,
    @Arg('slug', () => String, { nullable: true, description: 'The product slug.' }) slug: string | null,
    @Ctx() ctx: ProductsContext,
  ): Promise<Product | null> {
    return ctx.services.catalog.product(ctx, id, slug);
  }

  @Query(() => ProductConnection, { description: 'Searches and lists products. Archived products are left out unless an ADMIN asks for them.' })
  products(
    @Arg('filter', () => ProductFilter, { nullable: true, description: 'Conditions every product must meet.' }) filter: ProductFilter | null,
    @Arg('sort', () => ProductSort, { nullable: true, defaultValue: ProductSort.RELEVANCE, description: 'Order of the list.' }) sort: ProductSort | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (an edge cursor or pageInfo.endCursor of the same sort).' })
    after: string | null,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductConnection> {
    return ctx.services.catalog.search(ctx, filter, sort ?? ProductSort.RELEVANCE, first, after);
  }

  @FieldResolver(() => Category, { description: 'The category the product belongs to.' })
  async category(@Root() product: Product, @Ctx() ctx: ProductsContext): Promise<Category> {
    const category = await ctx.loaders.categoryById.load(product.categoryId);
    if (!category) throw new Error(`product ${product.id} refers to missing category ${product.categoryId}`);
    return toCategory(category);
  }

  @Mutation(() => ProductPayload, { description: 'Creates a product and announces it (ProductCreated, with its initial stock). ADMIN only.' })
  createProduct(@Arg('input', () => CreateProductInput, { description: 'The new product.' }) input: CreateProductInput, @Ctx() ctx: ProductsContext): Promise<ProductPayload> {
    return ctx.services.products.create(ctx, input);
  }

  @Mutation(() => ProductPayload, { description: 'Changes a product and announces it (ProductUpdated). ADMIN only.' })
  updateProduct(
    @Arg('id', () => ID, { description: 'The product to change.' }) id: string,
    @Arg('input', () => UpdateProductInput, { description: 'The changes.' }) input: UpdateProductInput,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductPayload> {
    return ctx.services.products.update(ctx, id, input);
  }

  @Mutation(() => ProductPayload, { description: 'Archives a product: it leaves lists and can no longer be ordered (ProductArchived). Archiving twice changes nothing. ADMIN only.' })
  archiveProduct(@Arg('id', () => ID, { description: 'The product to archive.' }) id: string, @Ctx() ctx: ProductsContext): Promise<ProductPayload> {
    return ctx.services.products.archive(ctx, id);
  }
}
