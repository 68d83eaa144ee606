import { randomBytes, randomUUID } from 'node:crypto';
import type { DocumentLocks, EventOrigin, MongoOutboxRelay } from '@shopgraph/events';
import { requireAdmin, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { ProductDocument, ProductRecord } from '../entities/product.document';
import { activeVariantPrices, defaultVariantOf, variantIdFor, variantsOf, type VariantDoc } from '../domain/variants';
import { EVENT_SOURCE, productArchived, productCreated, productUpdated } from '../events/product.events';
import type { CategoryStore } from '../stores/category.store';
import { isDuplicateKeyError } from '../stores/duplicate-key';
import type { ProductCache } from '../stores/product.cache';
import type { ProductStore } from '../stores/product.store';
import type { SkuStore } from '../stores/sku.store';
import { ProductPayload } from '../types/payloads.type';
import type { CreateProductInput, UpdateProductInput } from '../types/product.input';
import { toProduct } from '../types/product.type';
import {
  normalizeCreateProduct,
  normalizeUpdateProduct,
  validateCreateProduct,
  validateUpdateProduct,
  type NormalizedCreateProduct,
  type UpdateProductFields,
} from '../domain/product.validator';
import { searchTermsOf } from '../domain/search-terms';
import { firstFreeSlug, slugify } from '../domain/slug';

/** Attempts before giving up on a slug race or a concurrent update. */
const MAX_ATTEMPTS = 8;
/** Slug races lost with the next numeric suffix before switching to a random one. */
const NUMBERED_SLUG_ATTEMPTS = 3;

const origin = (ctx: RequestContext) => ({ source: EVENT_SOURCE, correlationId: ctx.requestId });

/** Stored fields derived from the ones a client edits. */
function derived(p: Pick<ProductDocument, 'name' | 'description' | 'brand' | 'tags'>) {
  return { nameKey: p.name.toLowerCase(), brandKey: p.brand?.toLowerCase() ?? null, searchTerms: searchTermsOf(p) };
}

const skuTaken = (sku: string, field: string[] = ['input', 'sku']) =>
  UserError.of(UserErrorCode.ALREADY_EXISTS, `A product or variant with sku ${sku} already exists`, field);

/**
 * A complete new product document, ready to insert. Without options it gets one default variant
 * (id, sku and price of the product); with options, one variant per described variant, with ids
 * `<id>:<suffix>` (`variantSuffixes[i]` when given, for stable seeded ids, else random).
 */
export function newProductDocument(
  input: NormalizedCreateProduct,
  categoryId: string,
  slug: string,
  now: Date,
  id: string = randomUUID(),
  variantSuffixes?: readonly string[],
): Omit<ProductDocument, '_outbox' | '_outboxPending' | '_outboxVersion'> {
  const fields = { name: input.name, description: input.description, brand: input.brand, tags: input.tags };
  const variants: VariantDoc[] =
    input.options.length === 0
      ? [{ id, sku: input.sku, options: [], price: input.price, active: true }]
      : input.variants.map((v, i) => ({
          id: variantIdFor(id, variantSuffixes?.[i]),
          sku: v.sku,
          options: v.options,
          price: v.price,
          active: true,
        }));
  return {
    _id: id,
    sku: input.sku,
    slug,
    ...fields,
    ...derived(fields),
    categoryId,
    images: input.images,
    price: variants[0].price,
    currency: input.currency,
    active: true,
    options: input.options,
    variants,
    variantPrices: activeVariantPrices(variants),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** Initial stock per variant id of a new product: the product's initialStock for its default variant, else each variant's own. */
export function initialStockOf(input: NormalizedCreateProduct, doc: Pick<ProductDocument, 'variants'>): Map<string, number> {
  if (input.options.length === 0) return new Map([[doc.variants[0].id, input.initialStock]]);
  return new Map(doc.variants.map((v, i) => [v.id, input.variants[i].initialStock]));
}

/** Every sku a product document holds: its own and its variants'. */
export const skusOf = (doc: Pick<ProductRecord, '_id' | 'sku' | 'price' | 'variants'>): string[] => [
  ...new Set([doc.sku, ...variantsOf(doc as ProductRecord).map((v) => v.sku)]),
];

/** The ADMIN mutations on products: each write carries its event in the same document write, then wakes the relay. */
export class ProductService {
  constructor(
    private readonly products: ProductStore,
    private readonly categories: CategoryStore,
    private readonly cache: ProductCache,
    private readonly relay: Pick<MongoOutboxRelay, 'wake'>,
    private readonly locks: DocumentLocks,
    private readonly skus: SkuStore,
  ) {}

  /**
   * Creates a product with a slug derived from its name (suffixed -2, -3, … when taken) and
   * publishes ProductCreated. Uniqueness rests on the unique indexes: a duplicate sku, even from
   * a concurrent request, is ALREADY_EXISTS.
   */
  async create(ctx: RequestContext, raw: CreateProductInput): Promise<ProductPayload> {
    requireAdmin(ctx);
    const input = normalizeCreateProduct(raw);
    const errors = validateCreateProduct(input);
    if (errors.length > 0) return ProductPayload.of(null, errors);
    const [category] = await this.categories.findBySlugs([input.categorySlug]);
    if (!category) return ProductPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, `No category with slug ${input.categorySlug}`, ['input', 'categorySlug'])]);
    const id = randomUUID();
    const wanted = [input.sku, ...input.variants.map((v) => v.sku)];
    const taken = await this.skus.claim(id, wanted, (productId, sku) => this.holds(productId, sku));
    if (taken)
      return ProductPayload.of(null, [
        skuTaken(
          taken,
          taken === input.sku ? ['input', 'sku'] : ['input', 'variants', String(input.variants.findIndex((v) => v.sku === taken)), 'sku'],
        ),
      ]);
    try {
      const base = slugify(input.name) || 'product';
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        // Many concurrent creates of one name all race for the same next suffix; after a few lost
        // races a random suffix ends the contest.
        const slug =
          attempt < NUMBERED_SLUG_ATTEMPTS
            ? firstFreeSlug(base, await this.products.slugsLike(base))
            : `${base}-${randomBytes(3).toString('hex')}`;
        const doc = newProductDocument(input, category._id, slug, new Date(), id);
        try {
          await this.products.insert(doc, [productCreated(doc, initialStockOf(input, doc), origin(ctx), [category.slug])]);
        } catch (error) {
          if (!isDuplicateKeyError(error)) throw error;
          // FerretDB's 11000 does not say which index refused the write: look the sku up; if it
          // is free, the slug was taken meanwhile and the next attempt picks another one. (A
          // product stored before the sku registry existed can still hold the sku.)
          if (await this.products.idOfSku(input.sku)) {
            await this.skus.release(id, wanted);
            return ProductPayload.of(null, [skuTaken(input.sku)]);
          }
          continue;
        }
        // The category's slug changed between the lookup and the insert (after its republish listed
        // the category's products): announce this product again with the slug it has now.
        if ((await this.categories.slugsOf(category._id))[0] !== category.slug) await this.republish(id, origin(ctx));
        this.relay.wake();
        const { searchTerms: _terms, variantPrices: _prices, ...record } = doc;
        return ProductPayload.of(toProduct(record));
      }
      throw new Error(`no free slug for "${base}" after ${MAX_ATTEMPTS} attempts`);
    } catch (error) {
      await this.skus.release(id, wanted);
      throw error;
    }
  }

  /** Whether the stored product `productId` holds `sku` (the sku registry asks this of a claim it may take over). */
  async holds(productId: string, sku: string): Promise<boolean> {
    const product = await this.products.findById(productId);
    return product !== null && skusOf(product).includes(sku);
  }

  /**
   * Applies the given changes as one write conditional on the version read (retried when another
   * update got in between), publishes ProductUpdated and invalidates the cached copies. A change
   * that changes nothing writes nothing and publishes nothing.
   */
  async update(ctx: RequestContext, id: string, raw: UpdateProductInput): Promise<ProductPayload> {
    requireAdmin(ctx);
    const changes = normalizeUpdateProduct(raw);
    const errors = validateUpdateProduct(changes);
    if (errors.length > 0) return ProductPayload.of(null, errors);
    let categoryId: string | undefined;
    if (changes.categorySlug !== undefined) {
      const [category] = await this.categories.findBySlugs([changes.categorySlug!]);
      if (!category) return ProductPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, `No category with slug ${changes.categorySlug}`, ['input', 'categorySlug'])]);
      categoryId = category._id;
    }

    // The version check makes this safe between processes on MongoDB; the lock makes it safe on FerretDB (see DocumentLocks).
    return this.locks.run(id, () => this.applyUpdate(ctx, id, changes, categoryId));
  }

  private async applyUpdate(ctx: RequestContext, id: string, changes: UpdateProductFields, categoryId: string | undefined): Promise<ProductPayload> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.products.findById(id);
      if (!current) return ProductPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No product with this id', ['id'])]);
      const next: ProductRecord = {
        ...current,
        name: changes.name ?? current.name,
        description: changes.description ?? current.description,
        brand: changes.brand !== undefined ? changes.brand : current.brand,
        tags: changes.tags ?? current.tags,
        images: changes.images ?? current.images,
        price: changes.price ?? defaultVariantOf(current).price,
        categoryId: categoryId ?? current.categoryId,
      };
      // The product's price is its default variant's: a new price is that variant's new price.
      const variants = variantsOf(current);
      const defaultId = defaultVariantOf(current).id;
      next.variants = variants.map((v) => (v.id === defaultId ? { ...v, price: next.price } : v));
      const edited = {
        name: next.name,
        description: next.description,
        brand: next.brand,
        tags: next.tags,
        images: next.images,
        price: next.price,
        categoryId: next.categoryId,
      };
      if (
        JSON.stringify(edited) ===
        JSON.stringify({
          name: current.name,
          description: current.description,
          brand: current.brand,
          tags: current.tags,
          images: current.images,
          price: defaultVariantOf(current).price,
          categoryId: current.categoryId,
        })
      ) {
        return ProductPayload.of(toProduct(current));
      }
      // Read for every attempt: a slug change republishing this product in between must not be undone by an older slug.
      const categorySlugs = await this.categories.slugsOf(next.categoryId);
      const updated = await this.products.updateAtVersion(
        id,
        current.version,
        {
          ...edited,
          ...derived(next),
          options: current.options ?? [],
          variants: next.variants,
          variantPrices: activeVariantPrices(next.variants!),
          updatedAt: new Date(),
        },
        [productUpdated(next, origin(ctx), undefined, categorySlugs)],
      );
      if (!updated) continue;
      await this.cache.invalidate(updated);
      this.relay.wake();
      return ProductPayload.of(toProduct(updated));
    }
    return ProductPayload.of(null, [
      UserError.of(UserErrorCode.CONFLICT, 'The product was changed by someone else meanwhile; try again', ['id']),
    ]);
  }

  /**
   * Publishes a ProductUpdated of every active product of the category with the category's current
   * slug (after a slug change: orders prices category-limited promotions by slug). Each product is
   * rewritten at the version read, under its lock, so no update's event with an older slug can
   * come after it. Returns how many products were republished.
   */
  async republishCategory(categoryId: string, at: EventOrigin = { source: EVENT_SOURCE }): Promise<number> {
    const ids = (await this.products.find({ categoryId, active: true }, { _id: 1 }, 0)).map((p) => p._id);
    let n = 0;
    for (const id of ids) if (await this.republish(id, at)) n++;
    if (n > 0) this.relay.wake();
    return n;
  }

  /** One product's ProductUpdated again with its category's current slug (nothing else changes); false when it is gone or archived. */
  private republish(id: string, at: EventOrigin): Promise<boolean> {
    return this.locks.run(id, async () => {
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const current = await this.products.findById(id);
        if (!current || !current.active) return false;
        const categorySlugs = await this.categories.slugsOf(current.categoryId);
        if (await this.products.updateAtVersion(id, current.version, {}, [productUpdated(current, at, undefined, categorySlugs)])) return true;
      }
      throw new Error(`product ${id}: could not republish after ${MAX_ATTEMPTS} conflicting writes`);
    });
  }

  /** Archives a product (active = false), publishes ProductArchived and invalidates the cache. Archiving twice is a no-op. */
  async archive(ctx: RequestContext, id: string): Promise<ProductPayload> {
    requireAdmin(ctx);
    const archived = await this.locks.run(id, () => this.products.archive(id, new Date(), [productArchived(id, origin(ctx))]));
    if (archived) {
      await this.cache.invalidate(archived);
      this.relay.wake();
      return ProductPayload.of(toProduct(archived));
    }
    const existing = await this.products.findById(id);
    if (!existing) return ProductPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No product with this id', ['id'])]);
    return ProductPayload.of(toProduct(existing));
  }
}
