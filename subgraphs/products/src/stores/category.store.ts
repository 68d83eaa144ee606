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

  /** Inserts a category; throws the driver's 11000 error when the slug is taken. */
  async insert(doc: CategoryDocument): Promise<void> {
    await this.collection.insertOne(doc);
  }

  /** Renames a category and/or changes its slug; the category after the change, null when there is none. Throws 11000 when the slug is taken. */
  async update(id: string, changes: Partial<Pick<CategoryDocument, 'name' | 'slug'>>): Promise<CategoryDocument | null> {
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
