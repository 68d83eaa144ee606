/**
 * Serializes async work per key (a document id) inside this process. FerretDB 1.x applies an
 * update as read-modify-write without isolation, so two concurrent writes to one document can
 * lose one of them (measured: 100 concurrent $inc → 9). A service on FerretDB runs every write
 * to a shared document, the outbox relay's clearing write included (MongoOutboxRelay `locks`),
 * under the document's lock. That makes one replica safe; real MongoDB needs none of it.
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
