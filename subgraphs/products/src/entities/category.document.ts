import type { Collection, Db } from 'mongodb';

/** A category as stored in the `categories` collection. */
export interface CategoryDocument {
  /** The category id (uuid). */
  _id: string;
  /** URL name, unique. */
  slug: string;
  name: string;
  createdAt: Date;
  /**
   * Set (to the time of the change) in the same write as a new slug; cleared once every active
   * product of the category was republished with it (ProductUpdated.categorySlugs). A category
   * still marked after a crash is finished by the products' category-republish task.
   */
  republishPending?: Date;
  /** Its products' events carry its slug (set at creation; announceCategorySlugs marks older categories for one republish). */
  slugsAnnounced?: boolean;
}

export const CATEGORIES_COLLECTION = 'categories';

/** The categories collection, typed. */
export function categoriesCollection(db: Db): Collection<CategoryDocument> {
  return db.collection<CategoryDocument>(CATEGORIES_COLLECTION);
}

/** Creates the categories indexes (idempotent): slugs are unique. */
export async function ensureCategoryIndexes(db: Db): Promise<void> {
  await categoriesCollection(db).createIndex({ slug: 1 }, { unique: true, name: 'categories_slug_unique' });
}
