import type { Filter } from 'mongodb';
import { badUserInput, connectionFrom, pageSize, requireAdmin } from '@shopgraph/kit';
import type { CategoryProductsKey, ProductsRequest } from '../loaders';
import type { ProductDocument, ProductRecord } from '../entities/product.document';
import type { CategoryStore } from '../stores/category.store';
import type { CatalogReads } from '../stores/product.store';
import { toCategory, type Category } from '../types/category.type';
import type { ProductFilter } from '../types/product-filter.input';
import { ProductSort } from '../types/product-sort.enum';
import { toProduct, type Product, type ProductConnection } from '../types/product.type';
import {
  afterCondition,
  compareRanked,
  decodeProductCursor,
  encodeProductCursor,
  isAfterRanked,
  mongoSort,
  type ProductCursor,
} from './product-cursor';
import { VARIANT_LIMITS } from '../domain/variants';
import { normalizeTags } from '../domain/product.validator';
import { parseSearchWords, relevanceScore, searchWordCondition } from '../domain/search-terms';

export type { CategoryProductsKey } from '../loaders';

/** One `Category.products` page request, as the per-request loader batches them. */
/**
 * Above this many active products in the requested categories, Category.products pages are
 * read with one limited query per category instead of one query for all of them.
 */
export const CATEGORY_BATCH_READ_LIMIT = 1000;

function connection(rows: ProductRecord[], first: number, sort: ProductSort, totalCount: number, hasPrevious: boolean): ProductConnection {
  return { ...connectionFrom(rows, first, (r) => encodeProductCursor(sort, r), toProduct, hasPrevious), totalCount } as ProductConnection;
}

const and = (conditions: Filter<ProductDocument>[]): Filter<ProductDocument> =>
  conditions.length === 0 ? {} : conditions.length === 1 ? conditions[0] : { $and: conditions };

/** Reading the catalog: single products (through the cache), searching and listing, categories. */
export class CatalogService {
  constructor(
    /** The store's listing reads, through the catalog's Redis read cache in the service (stores/catalog.cache.ts). */
    private readonly products: CatalogReads,
    private readonly categories: CategoryStore,
  ) {}

  /** A product by id or by slug (exactly one of them); archived products included, with active = false. */
  async product(ctx: ProductsRequest, id: string | null | undefined, slug: string | null | undefined): Promise<Product | null> {
    if ((id == null) === (slug == null)) throw badUserInput('Pass exactly one of id and slug');
    const record = id != null ? await ctx.loaders.productById.load(id) : await ctx.loaders.productBySlug.load(slug!.trim().toLowerCase());
    return record && toProduct(record);
  }

  /** Every category, by name. */
  async allCategories(): Promise<Category[]> {
    return (await this.categories.all()).map(toCategory);
  }

  /** Searches, filters and sorts products into a keyset-paginated connection (see ProductFilter for the rules). */
  async search(ctx: ProductsRequest, filter: ProductFilter | null | undefined, sort: ProductSort, first: number | null | undefined, after: string | null | undefined): Promise<ProductConnection> {
    const size = pageSize(first);
    if (filter?.includeInactive) requireAdmin(ctx);
    const words = parseSearchWords(filter?.search);
    const cursor = after ? decodeProductCursor(after, sort, words.length > 0) : null;
    const conditions = await this.filterConditions(ctx, filter, words);
    if (conditions === null) return connection([], size, sort, 0, cursor !== null);
    if (sort === ProductSort.RELEVANCE && words.length > 0) return this.ranked(and(conditions), words, size, cursor);
    return this.keyset(and(conditions), sort, size, cursor);
  }

  /**
   * Category.products pages for one request. Pages without a cursor are batched: one count
   * aggregation plus one query for all requested categories (or one limited query per category
   * when they hold more than CATEGORY_BATCH_READ_LIMIT products); pages with a cursor are read one by one.
   */
  async categoryProductPages(keys: readonly CategoryProductsKey[]): Promise<(ProductConnection | Error)[]> {
    const results: Promise<ProductConnection | Error>[] = [];
    const firstPages = new Map<string, { sort: ProductSort; first: number; indexes: number[] }>();
    keys.forEach((key, i) => {
      if (key.after !== null) {
        results[i] = this.keysetInCategory(key).catch((error: Error) => error);
        return;
      }
      const group = `${key.sort}:${key.first}`;
      const entry = firstPages.get(group) ?? { sort: key.sort, first: key.first, indexes: [] };
      entry.indexes.push(i);
      firstPages.set(group, entry);
    });
    for (const { sort, first, indexes } of firstPages.values()) {
      const pages = this.firstPagesOfCategories([...new Set(indexes.map((i) => keys[i].categoryId))], sort, first);
      for (const i of indexes) results[i] = pages.then((byCategory) => byCategory.get(keys[i].categoryId)!, (error: Error) => error);
    }
    return Promise.all(results);
  }

  private async firstPagesOfCategories(categoryIds: string[], sort: ProductSort, first: number): Promise<Map<string, ProductConnection>> {
    const counts = await this.products.countActiveByCategory(categoryIds);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const rowsByCategory = new Map<string, ProductRecord[]>(categoryIds.map((id) => [id, []]));
    if (total <= CATEGORY_BATCH_READ_LIMIT) {
      const rows = total === 0 ? [] : await this.products.find({ active: true, categoryId: { $in: categoryIds } }, mongoSort(sort), 0);
      for (const row of rows) rowsByCategory.get(row.categoryId)?.push(row);
    } else {
      await Promise.all(
        categoryIds.map(async (id) => rowsByCategory.set(id, await this.products.find({ active: true, categoryId: id }, mongoSort(sort), first + 1))),
      );
    }
    return new Map(categoryIds.map((id) => [id, connection(rowsByCategory.get(id)!.slice(0, first + 1), first, sort, counts.get(id) ?? 0, false)]));
  }

  private keysetInCategory(key: CategoryProductsKey): Promise<ProductConnection> {
    const cursor = decodeProductCursor(key.after!, key.sort, false);
    return this.keyset({ active: true, categoryId: key.categoryId }, key.sort, key.first, cursor);
  }

  /** The Mongo conditions of a filter, or null when it can match nothing (unknown category). */
  private async filterConditions(ctx: ProductsRequest, filter: ProductFilter | null | undefined, words: string[]): Promise<Filter<ProductDocument>[] | null> {
    const conditions: Filter<ProductDocument>[] = [];
    if (!filter?.includeInactive) conditions.push({ active: true });
    if (filter?.categorySlug != null) {
      const category = await ctx.loaders.categoryBySlug.load(filter.categorySlug.trim().toLowerCase());
      if (!category) return null;
      conditions.push({ categoryId: category._id });
    }
    if (filter?.brand != null) conditions.push({ brandKey: filter.brand.trim().toLowerCase() });
    for (const tag of normalizeTags(filter?.tags ?? [])) conditions.push({ tags: tag });
    const { minPrice, maxPrice } = filter ?? {};
    if (minPrice != null && minPrice < 0) throw badUserInput('minPrice must not be negative', ['filter', 'minPrice']);
    if (maxPrice != null && maxPrice < 0) throw badUserInput('maxPrice must not be negative', ['filter', 'maxPrice']);
    // Any active variant's price within both bounds. With one bound the multikey condition says
    // exactly that. With two, both must hold for the same price, which $elemMatch would say but
    // FerretDB evaluates element by element (2500 and 2800 "match" 2600..2700): each position is
    // tested instead (a product has at most VARIANT_LIMITS.variants variants).
    const bounds = { ...(minPrice != null ? { $gte: minPrice } : {}), ...(maxPrice != null ? { $lte: maxPrice } : {}) };
    if (minPrice != null && maxPrice != null) {
      conditions.push(
        { variantPrices: bounds },
        { $or: Array.from({ length: VARIANT_LIMITS.variants }, (_, i) => ({ [`variantPrices.${i}`]: bounds })) },
      );
    } else if (minPrice != null || maxPrice != null) conditions.push({ variantPrices: bounds });
    for (const word of words) conditions.push(searchWordCondition(word));
    return conditions;
  }

  /** A page in a stored sort order: everything after the cursor's (key, id), plus one row to tell whether more follow. */
  private async keyset(filter: Filter<ProductDocument>, sort: ProductSort, first: number, cursor: ProductCursor | null): Promise<ProductConnection> {
    const pageFilter = cursor ? and([filter, afterCondition(sort, cursor)]) : filter;
    const [rows, total] = await Promise.all([this.products.find(pageFilter, mongoSort(sort), first + 1), this.products.count(filter)]);
    return connection(rows, first, sort, total, cursor !== null);
  }

  /**
   * RELEVANCE with a search. MongoDB can sort by a computed score, FerretDB cannot ($text and
   * most aggregation operators are missing), so the matching set is ranked here from a narrow
   * projection and paged by (score, createdAt, id): still keyset, so inserts never shift pages.
   */
  private async ranked(filter: Filter<ProductDocument>, words: string[], first: number, cursor: ProductCursor | null): Promise<ProductConnection> {
    const ranked = (await this.products.searchCandidates(filter))
      .map((c) => ({ _id: c._id, createdAt: c.createdAt, score: relevanceScore(words, c) }))
      .sort(compareRanked);
    const rest = cursor ? ranked.filter((r) => isAfterRanked(r, cursor)) : ranked;
    const window = rest.slice(0, first + 1);
    const records = new Map((await this.products.findByIds(window.map((r) => r._id))).map((p) => [p._id, p]));
    const rows = window.filter((r) => records.has(r._id)).map((r) => ({ record: records.get(r._id)!, score: r.score }));
    const page = connectionFrom(
      rows,
      first,
      (row) => encodeProductCursor(ProductSort.RELEVANCE, row.record, row.score),
      (row) => toProduct(row.record),
      cursor !== null,
    );
    return { ...page, totalCount: ranked.length } as ProductConnection;
  }
}
