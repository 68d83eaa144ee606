import { randomBytes, randomUUID } from 'node:crypto';
import type { DocumentLocks, MongoOutboxRelay } from '@shopgraph/events';
import { requireAdmin, UserError, UserErrorCode } from '@shopgraph/kit';
import type { ProductsContext } from '../context';
import type { ProductDocument, ProductRecord } from '../entities/product.document';
import { EVENT_SOURCE, productArchived, productCreated, productUpdated } from '../events/product.events';
import type { CategoryStore } from '../stores/category.store';
import { isDuplicateKeyError } from '../stores/duplicate-key';
import type { ProductCache } from '../stores/product.cache';
import type { ProductStore } from '../stores/product.store';
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
} from './product.validator';
import { searchTermsOf } from './search-terms';
import { firstFreeSlug, slugify } from './slug';

/** Attempts before giving up on a slug race or a concurrent update. */
const MAX_ATTEMPTS = 8;
/** Slug races lost with the next numeric suffix before switching to a random one. */
const NUMBERED_SLUG_ATTEMPTS = 3;

const origin = (ctx: ProductsContext) => ({ source: EVENT_SOURCE, correlationId: ctx.requestId });

/** Stored fields derived from the ones a client edits. */
function derived(p: Pick<ProductDocument, 'name' | 'description' | 'brand' | 'tags'>) {
  return { nameKey: p.name.toLowerCase(), brandKey: p.brand?.toLowerCase() ?? null, searchTerms: searchTermsOf(p) };
}

const skuTaken = (sku: string) => UserError.of(UserErrorCode.ALREADY_EXISTS, `A product with sku ${sku} already exists`, ['input', 'sku']);

/** A complete new product document, ready to insert. */
export function newProductDocument(input: NormalizedCreateProduct, categoryId: string, slug: string, now: Date, id: string = randomUUID()): Omit<ProductDocument, '_outbox' | '_outboxPending' | '_outboxVersion'> {
  const fields = { name: input.name, description: input.description, brand: input.brand, tags: input.tags };
  return {
    _id: id,
    sku: input.sku,
    slug,
    ...fields,
    ...derived(fields),
    categoryId,
    images: input.images,
    price: input.price,
    currency: input.currency,
    active: true,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

/** The ADMIN mutations on products: each write carries its event in the same document write, then wakes the relay. */
export class ProductService {
  constructor(
    private readonly products: ProductStore,
    private readonly categories: CategoryStore,
    private readonly cache: ProductCache,
    private readonly relay: Pick<MongoOutboxRelay, 'wake'>,
    private readonly locks: DocumentLocks,
  ) {}

  /**
   * Creates a product with a slug derived from its name (suffixed -2, -3, … when taken) and
   * publishes ProductCreated. Uniqueness rests on the unique indexes: a duplicate sku, even from
   * a concurrent request, is ALREADY_EXISTS.
   */
  async create(ctx: ProductsContext, raw: CreateProductInput): Promise<ProductPayload> {
    requireAdmin(ctx);
    const input = normalizeCreateProduct(raw);
    const errors = validateCreateProduct(input);
    if (errors.length > 0) return ProductPayload.of(null, errors);
    const [category] = await this.categories.findBySlugs([input.categorySlug]);
    if (!category) return ProductPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, `No category with slug ${input.categorySlug}`, ['input', 'categorySlug'])]);
    if (await this.products.idOfSku(input.sku)) return ProductPayload.of(null, [skuTaken(input.sku)]);

    const base = slugify(input.name) || 'product';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      // Many concurrent creates of one name all race for the same next suffix; after a few lost
      // races a random suffix ends the contest.
      const slug = attempt < NUMBERED_SLUG_ATTEMPTS ? firstFreeSlug(base, await this.products.slugsLike(base)) : `${base}-${randomBytes(3).toString('hex')}`;
      const doc = newProductDocument(input, category._id, slug, new Date());
      try {
        await this.products.insert(doc, [productCreated(doc, input.initialStock, origin(ctx))]);
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // FerretDB's 11000 does not say which index refused the write: look the sku up; if it is
        // free, the slug was taken meanwhile and the next attempt picks another one.
        if (await this.products.idOfSku(input.sku)) return ProductPayload.of(null, [skuTaken(input.sku)]);
        continue;
      }
      this.relay.wake();
      const { searchTerms: _terms, ...record } = doc;
      return ProductPayload.of(toProduct(record));
    }
    throw new Error(`no free slug for "${base}" after ${MAX_ATTEMPTS} attempts`);
  }

  /**
   * Applies the given changes as one write conditional on the version read (retried when another
   * update got in between), publishes ProductUpdated and invalidates the cached copies. A change
   * that changes nothing writes nothing and publishes nothing.
   */
  async update(ctx: ProductsContext, id: string, raw: UpdateProductInput): Promise<ProductPayload> {
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

  private async applyUpdate(ctx: ProductsContext, id: string, changes: UpdateProductFields, categoryId: string | undefined): Promise<ProductPayload> {
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
        price: changes.price ?? current.price,
        categoryId: categoryId ?? current.categoryId,
      };
      const edited = { name: next.name, description: next.description, brand: next.brand, tags: next.tags, images: next.images, price: next.price, categoryId: next.categoryId };
      if (JSON.stringify(edited) === JSON.stringify({ name: current.name, description: current.description, brand: current.brand, tags: current.tags, images: current.images, price: current.price, categoryId: current.categoryId })) {
        return ProductPayload.of(toProduct(current));
      }
      const updated = await this.products.updateAtVersion(
        id,
        current.version,
        { ...edited, ...derived(next), updatedAt: new Date() },
        [productUpdated(next, origin(ctx))],
      );
      if (!updated) continue;
      await this.cache.invalidate(updated);
      this.relay.wake();
      return ProductPayload.of(toProduct(updated));
    }
    return ProductPayload.of(null, [UserError.of(UserErrorCode.CONFLICT, 'The product was changed by someone else meanwhile; try again', ['id'])]);
  }

  /** Archives a product (active = false), publishes ProductArchived and invalidates the cache. Archiving twice is a no-op. */
  async archive(ctx: ProductsContext, id: string): Promise<ProductPayload> {
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
