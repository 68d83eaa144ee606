import { randomUUID } from 'node:crypto';
import { requireAdmin, UserError, UserErrorCode, type RequestContext } from '@shopgraph/kit';
import type { CategoryStore } from '../stores/category.store';
import { isDuplicateKeyError } from '../stores/duplicate-key';
import { CategoryPayload } from '../types/payloads.type';
import { toCategory } from '../types/category.type';
import { validateCategory } from '../domain/product.validator';
import { slugify } from '../domain/slug';

/** The ADMIN mutation on categories. */
export class CategoryService {
  constructor(
    private readonly categories: CategoryStore,
    /** Told after a slug change (its products' events carry the slug; see CategoryRepublisher). */
    private readonly republisher?: { kick(): void },
  ) {}

  /** Creates a category; its slug is the given one or derived from the name. A taken slug is ALREADY_EXISTS. */
  async create(ctx: RequestContext, rawName: string, rawSlug: string | null | undefined): Promise<CategoryPayload> {
    requireAdmin(ctx);
    const name = rawName.trim();
    const given = rawSlug == null ? null : rawSlug.trim().toLowerCase();
    const errors = validateCategory(name, given);
    if (errors.length > 0) return CategoryPayload.of(null, errors);
    const slug = given ?? slugify(name);
    const slugField = given !== null ? ['slug'] : ['name'];
    if (!slug) return CategoryPayload.of(null, [UserError.of(UserErrorCode.INVALID_INPUT, 'name must contain letters or digits to derive a slug from', ['name'])]);
    const doc = { _id: randomUUID(), slug, name, createdAt: new Date(), slugsAnnounced: true };
    try {
      await this.categories.insert(doc);
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return CategoryPayload.of(null, [UserError.of(UserErrorCode.ALREADY_EXISTS, `A category with slug ${slug} already exists`, slugField)]);
    }
    return CategoryPayload.of(toCategory(doc));
  }

  /**
   * Renames a category and/or changes its slug (ADMIN). Products keep pointing at it by id; old
   * slug links stop working. A new slug is republished on each active product of the category
   * (ProductUpdated.categorySlugs) in the background, right after this answers. A taken slug is ALREADY_EXISTS; nothing given changes nothing.
   */
  async update(
    ctx: RequestContext,
    id: string,
    rawName: string | null | undefined,
    rawSlug: string | null | undefined,
  ): Promise<CategoryPayload> {
    requireAdmin(ctx);
    const name = rawName == null ? null : rawName.trim();
    const slug = rawSlug == null ? null : rawSlug.trim().toLowerCase();
    const errors = validateCategory(name ?? 'unchanged', slug);
    if (errors.length > 0) return CategoryPayload.of(null, errors);
    const changes: { name?: string; slug?: string; republishPending?: Date } = { ...(name !== null ? { name } : {}), ...(slug !== null ? { slug } : {}) };
    // A new slug: its products are announced again with it (ProductUpdated.categorySlugs); the
    // marker goes in the same write, so a crash before they all were leaves it for the task.
    if (slug !== null && (await this.categories.findByIds([id]))[0]?.slug !== slug) changes.republishPending = new Date();
    try {
      const [current] =
        Object.keys(changes).length === 0 ? await this.categories.findByIds([id]) : [await this.categories.update(id, changes)];
      if (!current) return CategoryPayload.of(null, [UserError.of(UserErrorCode.NOT_FOUND, 'No category with this id', ['id'])]);
      if (changes.republishPending) this.republisher?.kick();
      return CategoryPayload.of(toCategory(current));
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      return CategoryPayload.of(null, [
        UserError.of(UserErrorCode.ALREADY_EXISTS, `A category with slug ${slug} already exists`, ['slug']),
      ]);
    }
  }
}
