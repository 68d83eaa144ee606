import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { OptionalCache, type Logger } from '@shopgraph/kit';
import type { ProductRecord } from '../entities/product.document';

type Lookup = 'id' | 'slug';

/** `product_cache_requests_total{result}`: product cache hits and misses. */
export function productCacheCounter(registry: Registry): Counter<'result'> {
  const existing = registry.getSingleMetric('product_cache_requests_total');
  if (existing) return existing as Counter<'result'>;
  return new Counter({ name: 'product_cache_requests_total', help: 'Product reads from the Redis cache, by hit or miss', labelNames: ['result'], registers: [registry] });
}

/**
 * Redis read-through cache of single products, stored under both their id and their slug with a
 * short TTL. Writers delete both keys after changing a product. The cache is optional by
 * construction (kit OptionalCache): every call has a deadline (CACHE_TIMEOUT_MS), and a failure
 * or a passed deadline degrades to a miss (reads go to MongoDB) and makes the cache be skipped for
 * CACHE_COOLDOWN_MS before one read probes it again, so a hung Redis slows nothing down.
 */
export class ProductCache {
  constructor(
    private readonly redis: Redis,
    /** Namespaces keys per database, so services (and test runs) sharing a Redis never mix products. */
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly counter: Counter<'result'>,
    private readonly log: Logger,
    private readonly optional: OptionalCache = new OptionalCache({ name: 'products', log }),
  ) {}

  private key(lookup: Lookup, value: string): string {
    return `${this.prefix}:product:${lookup}:${value}`;
  }

  /** Cached products for `values` (null where missing), in order; counts each as a hit or a miss. */
  async getMany(lookup: Lookup, values: readonly string[]): Promise<(ProductRecord | null)[]> {
    if (values.length === 0) return [];
    const raw = await this.optional.read(
      () => this.redis.mget(values.map((v) => this.key(lookup, v))),
      values.map(() => null),
    );
    const found = raw.map((text) => (text === null ? null : revive(text)));
    const hits = found.filter((p) => p !== null).length;
    if (hits > 0) this.counter.inc({ result: 'hit' }, hits);
    if (found.length - hits > 0) this.counter.inc({ result: 'miss' }, found.length - hits);
    return found;
  }

  /** Stores products under their id and slug for the TTL. */
  async putMany(products: readonly ProductRecord[]): Promise<void> {
    if (products.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const p of products) {
      const text = JSON.stringify(p);
      pipeline.set(this.key('id', p._id), text, 'EX', this.ttlSeconds);
      pipeline.set(this.key('slug', p.slug), text, 'EX', this.ttlSeconds);
    }
    // Skipped while the cache is unavailable; a failed fill only costs a later miss.
    await this.optional.write(() => pipeline.exec());
  }

  /**
   * Drops a product's id and slug entries (after a change). The change itself is already stored,
   * so a Redis failure is logged rather than failing the mutation: readers may then see the old
   * product until the TTL expires. Tried even while the cache is skipped (within its deadline):
   * an entry left behind would outlive the outage.
   */
  async invalidate(product: Pick<ProductRecord, '_id' | 'slug'>): Promise<void> {
    const done = await this.optional.write(() => this.redis.del(this.key('id', product._id), this.key('slug', product.slug)), { force: true });
    if (!done) this.log.error({ productId: product._id }, 'product cache invalidation failed; stale until the TTL expires');
  }
}

function revive(text: string): ProductRecord {
  const record = JSON.parse(text) as ProductRecord & { createdAt: string; updatedAt: string };
  return { ...record, createdAt: new Date(record.createdAt), updatedAt: new Date(record.updatedAt) };
}
