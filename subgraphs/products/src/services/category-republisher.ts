import type { Logger } from '@shopgraph/kit';
import type { CategoryStore } from '../stores/category.store';

/**
 * Carries out category slug changes on the products' events: for every category marked
 * `republishPending` (in the same write as its new slug), republishes each active product of it
 * (ProductUpdated with the new categorySlugs), then clears the marker. `kick()` runs it now (after
 * updateCategory); the products' `category-republish` task runs it at start and every minute, which
 * finishes a republish a crash or a failure interrupted. Runs never overlap in one process; a
 * republish done twice (two processes) only repeats events consumers apply idempotently.
 */
export class CategoryRepublisher {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly categories: CategoryStore,
    private readonly products: { republishCategory(categoryId: string): Promise<number> },
    private readonly log: Pick<Logger, 'error' | 'info'>,
  ) {}

  /** Starts a run now (or one more after the current); errors are logged, the task retries. */
  kick(): void {
    void this.drain().catch((error) => this.log.error({ err: error }, 'category republish failed; the category-republish task retries'));
  }

  /** Runs until no category is marked (joins a run in progress); rejects when a run failed. */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.runOnce();
        } while (this.again);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async runOnce(): Promise<void> {
    for (const category of await this.categories.pendingRepublish()) {
      const n = await this.products.republishCategory(category._id);
      await this.categories.republished(category._id, category.republishPending!);
      this.log.info({ categoryId: category._id, slug: category.slug, products: n }, 'category slug change republished');
    }
  }
}
