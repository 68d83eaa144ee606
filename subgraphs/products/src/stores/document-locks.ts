import type { Collection, Document, Filter } from 'mongodb';

/**
 * Serializes async work per key (a document id) inside this process. FerretDB 1.x applies an
 * update as read-modify-write without isolation, so two concurrent writes to one document can
 * lose one of them (measured: 100 concurrent $inc → 24); every write to a product document from
 * this service, the outbox relay's included, runs under its document's lock.
 */
export class DocumentLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

/** `collection` with its `updateOne` (the relay's clearing write) run under the document's lock. */
export function withLockedUpdates<T extends Document>(collection: Collection<T>, locks: DocumentLocks): Collection<T> {
  return new Proxy(collection, {
    get(target, property) {
      if (property === 'updateOne') {
        return (filter: Filter<T>, ...rest: Parameters<Collection<T>['updateOne']> extends [unknown, ...infer R] ? R : never) =>
          locks.run(String((filter as { _id?: unknown })._id), () => target.updateOne(filter, ...rest));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
