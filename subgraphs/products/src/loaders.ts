import DataLoader from 'dataloader';
import type { RequestContext } from '@shopgraph/kit';
import type { CategoryDocument } from './entities/category.document';
import type { ProductRecord } from './entities/product.document';
import type { CategoryStore } from './stores/category.store';
import type { ProductCache } from './stores/product.cache';
import type { ProductStore } from './stores/product.store';
import type { ProductConnection } from './types/product.type';
import type { ProductSort } from './types/product-sort.enum';

/** One page of a category's products, as Category.products asks for it. */
export interface CategoryProductsKey {
  categoryId: string;
  sort: ProductSort;
  first: number;
  after: string | null;
}

/** Per-request batching loaders: N loads in one tick become one Redis MGET and at most one MongoDB query. */
export interface ProductsLoaders {
  productById: DataLoader<string, ProductRecord | null>;
  productBySlug: DataLoader<string, ProductRecord | null>;
  categoryById: DataLoader<string, CategoryDocument | null>;
  categoryBySlug: DataLoader<string, CategoryDocument | null>;
  categoryProducts: DataLoader<CategoryProductsKey, ProductConnection, string>;
}

/** What a service needs of one request: the kit's request context and this request's loaders. */
export type ProductsRequest = RequestContext & { loaders: ProductsLoaders };

export interface LoaderDeps {
  products: ProductStore;
  categories: CategoryStore;
  cache: ProductCache;
  /** The catalog's batched page query (CatalogService.categoryProductPages). */
  catalog: { categoryProductPages(keys: readonly CategoryProductsKey[]): Promise<(ProductConnection | Error)[]> };
}

/** Read-through: the cache first, then one `$in` query for the misses, which are then cached. */
function cachedProductLoader(deps: LoaderDeps, lookup: 'id' | 'slug'): DataLoader<string, ProductRecord | null> {
  return new DataLoader(async (keys) => {
    const cached = await deps.cache.getMany(lookup, keys);
    const missing = keys.filter((_, i) => cached[i] === null);
    const loaded = lookup === 'id' ? await deps.products.findByIds(missing) : await deps.products.findBySlugs(missing);
    await deps.cache.putMany(loaded);
    const byKey = new Map(loaded.map((p) => [lookup === 'id' ? p._id : p.slug, p]));
    return keys.map((key, i) => cached[i] ?? byKey.get(key) ?? null);
  });
}

/** Fresh loaders for one request (their cache must never outlive it). */
export function createLoaders(deps: LoaderDeps): ProductsLoaders {
  return {
    productById: cachedProductLoader(deps, 'id'),
    productBySlug: cachedProductLoader(deps, 'slug'),
    categoryById: new DataLoader(async (ids) => {
      const byId = new Map((await deps.categories.findByIds(ids)).map((c) => [c._id, c]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    categoryBySlug: new DataLoader(async (slugs) => {
      const bySlug = new Map((await deps.categories.findBySlugs(slugs)).map((c) => [c.slug, c]));
      return slugs.map((slug) => bySlug.get(slug) ?? null);
    }),
    categoryProducts: new DataLoader((keys) => deps.catalog.categoryProductPages(keys), {
      cacheKeyFn: (k) => JSON.stringify([k.categoryId, k.sort, k.first, k.after]),
    }),
  };
}
