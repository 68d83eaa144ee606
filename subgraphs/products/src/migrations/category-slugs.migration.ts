import type { Db } from 'mongodb';
import { categoriesCollection } from '../entities/category.document';

/**
 * Products stored before products.v1 carried `categorySlugs` were announced without them, so
 * orders' replica knows no category of them (and category-limited promotions skip them). Marks
 * every category not yet announced (no `slugsAnnounced`) for a republish of its active products
 * (`republishPending`, which the category-republish task carries out at start), once: the flag is
 * set in the same write, and categories created since carry it from their creation. Returns how
 * many categories it marked.
 */
export async function announceCategorySlugs(db: Db): Promise<number> {
  const result = await categoriesCollection(db).updateMany({ slugsAnnounced: { $exists: false } }, { $set: { slugsAnnounced: true, republishPending: new Date() } });
  return result.modifiedCount;
}
