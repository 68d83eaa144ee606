/**
 * A push-driven async iterator: the subscription's outbox towards graphql-ws. Unlike an async
 * generator, `return()` takes effect at once even while a `next()` is waiting, so a client's
 * `complete` (or a closed socket) cleans up immediately rather than at the next event.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | null = null;
  private ending = false;
  private finished = false;

  constructor(private readonly onFinish: () => void = () => undefined) {}

  /** Messages pushed but not yet taken by the sender. */
  get size(): number {
    return this.queue.length;
  }

  get isFinished(): boolean {
    return this.finished;
  }

  push(value: T): void {
    if (this.finished || this.ending) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
    } else {
      this.queue.push(value);
    }
  }

  /** Ends the stream after the messages already pushed have been taken. */
  end(): void {
    if (this.finished) return;
    this.ending = true;
    if (this.queue.length === 0) this.finish();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) {
      const value = this.queue.shift() as T;
      if (this.ending && this.queue.length === 0) this.finish();
      return Promise.resolve({ value, done: false });
    }
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<T>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined, done: true });
    }
    this.onFinish();
  }
}
