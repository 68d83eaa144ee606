import type { Db } from 'mongodb';
import { categoriesCollection, type CategoryDocument } from '../entities/category.document';

/** Persistence of categories in MongoDB. */
export class CategoryStore {
  constructor(private readonly db: Db) {}

  get collection() {
    return categoriesCollection(this.db);
  }

  async findByIds(ids: readonly string[]): Promise<CategoryDocument[]> {
    if (ids.length === 0) return [];
    return this.collection.find({ _id: { $in: [...ids] } }).toArray();
  }

  async findBySlugs(slugs: readonly string[]): Promise<CategoryDocument[]> {
    if (slugs.length === 0) return [];
    return this.collection.find({ slug: { $in: [...slugs] } }).toArray();
  }

  /** Every category, by name (then id). */
  async all(): Promise<CategoryDocument[]> {
    return this.collection.find({}).sort({ name: 1, _id: 1 }).toArray();
  }

  /** The slugs a product of category `categoryId` carries in its events (`categorySlugs`): [] when the category is gone. */
  async slugsOf(categoryId: string): Promise<string[]> {
    const doc = await this.collection.findOne({ _id: categoryId }, { projection: { slug: 1 } });
    return doc ? [doc.slug] : [];
  }

  /**
   * Categories whose products still await the republish of a slug change (`republishPending`
   * set in the same write as the new slug, cleared once every product carried it out).
   */
  async pendingRepublish(): Promise<CategoryDocument[]> {
    return this.collection.find({ republishPending: { $exists: true } }).toArray();
  }

  /** Clears the republish marker, unless a later slug change set a newer one meanwhile. */
  async republished(id: string, marker: Date): Promise<void> {
    await this.collection.updateOne({ _id: id, republishPending: marker }, { $unset: { republishPending: '' } });
  }

  /** Inserts a category; throws the driver's 11000 error when the slug is taken. */
  async insert(doc: CategoryDocument): Promise<void> {
    await this.collection.insertOne(doc);
  }

  /** Renames a category and/or changes its slug; the category after the change, null when there is none. Throws 11000 when the slug is taken. */
  async update(id: string, changes: Partial<Pick<CategoryDocument, 'name' | 'slug' | 'republishPending'>>): Promise<CategoryDocument | null> {
    // updateOne, not findOneAndUpdate: FerretDB's findAndModify reports a unique violation as
    // InternalError, not 11000.
    const result = await this.collection.updateOne({ _id: id }, { $set: changes });
    if (result.matchedCount === 0) return null;
    return this.collection.findOne({ _id: id });
  }

  /** Inserts `doc` unless a category with its id exists (seeding); true when it was new. */
  async insertIfAbsent(doc: CategoryDocument): Promise<boolean> {
    const { _id, ...fields } = doc;
    return (await this.collection.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true })).upsertedCount === 1;
  }
}
