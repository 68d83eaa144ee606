import type { Db, Document, Filter, Sort } from 'mongodb';
import { outboxOnInsert, outboxOnUpdate, type EventEnvelope } from '@shopgraph/events';
import {
  PRODUCT_READ_PROJECTION,
  productsCollection,
  type ProductDocument,
  type ProductRecord,
} from '../entities/product.document';
import { escapeRegex } from '../domain/search-terms';

/** A stored product without its outbox and search fields (for results the server could not project). */
function toRecord(doc: ProductDocument | null): ProductRecord | null {
  if (!doc) return null;
  const { _outbox, _outboxPending, _outboxVersion, searchTerms, variantPrices, ...record } = doc;
  return record;
}

/** What RELEVANCE ranking needs of a search candidate. */
export type SearchCandidate = Pick<ProductDocument, '_id' | 'name' | 'brand' | 'tags' | 'createdAt'>;

/** Persistence of products in MongoDB; every write that changes a product carries its events in the same document write. */
export class ProductStore {
  constructor(
    private readonly db: Db,
    /** Called after every write that changed a product (the service advances its catalog cache's generation). */
    private readonly changed: () => Promise<void> = async () => undefined,
  ) {}

  get collection() {
    return productsCollection(this.db);
  }

  /** Products by id, in one `$in` query (order not guaranteed). */
  async findByIds(ids: readonly string[]): Promise<ProductRecord[]> {
    if (ids.length === 0) return [];
    return (await this.collection.find({ _id: { $in: [...ids] } }, { projection: PRODUCT_READ_PROJECTION }).toArray()) as ProductRecord[];
  }

  /** Products by slug, in one `$in` query. */
  async findBySlugs(slugs: readonly string[]): Promise<ProductRecord[]> {
    if (slugs.length === 0) return [];
    return (await this.collection.find({ slug: { $in: [...slugs] } }, { projection: PRODUCT_READ_PROJECTION }).toArray()) as ProductRecord[];
  }

  async findById(id: string): Promise<ProductRecord | null> {
    return (await this.collection.findOne({ _id: id }, { projection: PRODUCT_READ_PROJECTION })) as ProductRecord | null;
  }

  /** The id of the product holding `sku`, if any. */
  async idOfSku(sku: string): Promise<string | null> {
    return (await this.collection.findOne({ sku }, { projection: { _id: 1 } }))?._id ?? null;
  }

  /** Slugs already taken among `base` and `base-<n>`. */
  async slugsLike(base: string): Promise<string[]> {
    const docs = await this.collection.find({ slug: { $regex: `^${escapeRegex(base)}(-[0-9]+)?$` } }, { projection: { slug: 1 } }).toArray();
    return docs.map((d) => d.slug);
  }

  /** Inserts a new product with its creation events; throws the driver's 11000 error on a duplicate sku or slug. */
  async insert(doc: Omit<ProductDocument, '_outbox' | '_outboxPending' | '_outboxVersion'>, events: EventEnvelope[]): Promise<void> {
    await this.collection.insertOne({ ...doc, ...outboxOnInsert(events) });
    await this.changed();
  }

  /**
   * Inserts `doc` unless a product with its id exists (seeding). Returns true when it was new.
   * Throws 11000 when another product already holds its sku or slug.
   */
  async insertIfAbsent(doc: Omit<ProductDocument, '_outbox' | '_outboxPending' | '_outboxVersion'>, events: EventEnvelope[]): Promise<boolean> {
    const { _id, ...fields } = doc;
    const result = await this.collection.updateOne({ _id }, { $setOnInsert: { ...fields, ...outboxOnInsert(events) } }, { upsert: true });
    if (result.upsertedCount === 1) await this.changed();
    return result.upsertedCount === 1;
  }

  /**
   * Applies `changes` only if the product is still at `version` (one conditional write, with its
   * events). Returns the product after the change, or null when it changed meanwhile or is gone.
   */
  async updateAtVersion(id: string, version: number, changes: Partial<ProductDocument>, events: EventEnvelope[]): Promise<ProductRecord | null> {
    const outbox = outboxOnUpdate(events);
    // No projection: FerretDB's findAndModify does not implement one.
    const updated = toRecord(
      await this.collection.findOneAndUpdate(
        { _id: id, version },
        { $set: { ...changes, ...outbox.$set }, $inc: { ...outbox.$inc, version: 1 }, $push: outbox.$push },
        { returnDocument: 'after' },
      ),
    );
    if (updated) await this.changed();
    return updated;
  }

  /** Marks an active product archived, with its event. Returns it after the change, or null when it is not (or no longer) active. */
  async archive(id: string, at: Date, events: EventEnvelope[]): Promise<ProductRecord | null> {
    const outbox = outboxOnUpdate(events);
    const archived = toRecord(
      await this.collection.findOneAndUpdate(
        { _id: id, active: true },
        { $set: { active: false, updatedAt: at, ...outbox.$set }, $inc: { ...outbox.$inc, version: 1 }, $push: outbox.$push },
        { returnDocument: 'after' },
      ),
    );
    if (archived) await this.changed();
    return archived;
  }

  /** One page of a list: products matching `filter` in `sort` order, at most `limit` (0 = all). */
  async find(filter: Filter<ProductDocument>, sort: Sort, limit: number): Promise<ProductRecord[]> {
    const cursor = this.collection.find(filter, { projection: PRODUCT_READ_PROJECTION }).sort(sort);
    if (limit > 0) cursor.limit(limit);
    return (await cursor.toArray()) as ProductRecord[];
  }

  async count(filter: Filter<ProductDocument>): Promise<number> {
    return this.collection.countDocuments(filter);
  }

  /** Every product matching `filter`, with only the fields relevance ranking reads. */
  async searchCandidates(filter: Filter<ProductDocument>): Promise<SearchCandidate[]> {
    return (await this.collection.find(filter, { projection: { name: 1, brand: 1, tags: 1, createdAt: 1 } }).toArray()) as SearchCandidate[];
  }

  /** Number of active products per category, for the given categories, in one aggregation. */
  async countActiveByCategory(categoryIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.collection
      .aggregate<Document>([{ $match: { active: true, categoryId: { $in: [...categoryIds] } } }, { $group: { _id: '$categoryId', n: { $sum: 1 } } }])
      .toArray();
    return new Map(rows.map((r) => [String(r._id), Number(r.n)]));
  }
}

/** The reads that list the catalog (CatalogService): the store's, or the same through the Redis read cache. */
export type CatalogReads = Pick<ProductStore, 'find' | 'count' | 'searchCandidates' | 'countActiveByCategory' | 'findByIds'>;
