import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { pageSize } from '@shopgraph/kit';
import type { ProductsContext } from '../context';
import { Category } from '../types/category.type';
import { CategoryPayload } from '../types/payloads.type';
import { ProductSort } from '../types/product-sort.enum';
import { ProductConnection } from '../types/product.type';

/** The categories query, Category.products and the createCategory mutation. */
@Resolver(() => Category)
export class CategoryResolver {
  @Query(() => [Category], { description: 'Every category, by name.' })
  categories(@Ctx() ctx: ProductsContext): Promise<Category[]> {
    return ctx.services.catalog.allCategories();
  }

  @FieldResolver(() => ProductConnection, { description: 'The active products of this category.' })
  products(
    @Root() category: Category,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: 'Page size, 0 to 100.' }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: 'Cursor to continue after (from this same list and sort).' }) after: string | null,
    @Arg('sort', () => ProductSort, { nullable: true, defaultValue: ProductSort.NEWEST, description: 'Order of the list (RELEVANCE means NEWEST here).' })
    sort: ProductSort | null,
    @Ctx() ctx: ProductsContext,
  ): Promise<ProductConnection> {
    return ctx.loaders.categoryProducts.load({ categoryId: category.id, sort: sort ?? ProductSort.NEWEST, first: pageSize(first), after: after || null });
  }

  @Mutation(() => CategoryPayload, { description: 'Creates a category; the slug defaults to one derived from the name. ADMIN only.' })
  createCategory(
    @Arg('name', () => String, { description: 'Display name, 1 to 100 characters.' }) name: string,
    @Arg('slug', () => String, { nullable: true, description: 'URL name (lowercase letters, digits, dashes); derived from the name when absent.' }) slug: string | null,
    @Ctx() ctx: ProductsContext,
  ): Promise<CategoryPayload> {
    return ctx.services.categories.create(ctx, name, slug);
  }

  @Mutation(() => CategoryPayload, { description: 'Renames a category and/or changes its slug; its products stay in it. ADMIN only.' })
  updateCategory(
    @Arg('id', () => ID, { description: 'The category to change.' }) id: string,
    @Arg('name', () => String, { nullable: true, description: 'New display name, 1 to 100 characters.' }) name: string | null,
    @Arg('slug', () => String, { nullable: true, description: 'New URL name (lowercase letters, digits, dashes), unique.' })
    slug: string | null,
    @Ctx() ctx: ProductsContext,
  ): Promise<CategoryPayload> {
    return ctx.services.categories.update(ctx, id, name, slug);
  }
}
