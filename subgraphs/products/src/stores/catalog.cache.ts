import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { OptionalCache, type Logger } from '@shopgraph/kit';
import type { CatalogReads } from './product.store';

/**
 * `catalog_cache_requests_total{result}`: listing reads (pages, counts, search candidates) served
 * from Redis or not. Spelt out like the product cache's counter: infra's dashboard test finds the
 * metrics services define by their literal names.
 */
export function catalogCacheCounter(registry: Registry): Counter<'result'> {
  const existing = registry.getSingleMetric('catalog_cache_requests_total');
  if (existing) return existing as Counter<'result'>;
  return new Counter({
    name: 'catalog_cache_requests_total',
    help: 'Catalog listing reads from the Redis read cache: hit, miss, or off (the cache unavailable or disabled)',
    labelNames: ['result'],
    registers: [registry],
  });
}

/**
 * The catalog's listing reads (a page of a filter in a sort, a count, the candidates of a search,
 * category counts) cached in Redis, so hot listings do not reach the Mongo-wire store (~20 ms for
 * any find that is not one `_id` lookup).
 *
 * Freshness: every entry's key carries the catalog's generation, a Redis counter that every
 * product write of this service (any replica) increments once it is stored. A read takes the
 * generation first and stores what it loaded under that generation, so a page loaded while a
 * write lands is filed under the old generation and never read again: a listing never shows a
 * product older than the last write this service made. Writes that bypass the service (a seed
 * script, a hand edit) and a generation increment lost while Redis was unavailable are seen within
 * the TTL (CATALOG_CACHE_TTL_SECONDS, default 30 s). Prices shown are never what an order pays:
 * orders re-prices at placeOrder.
 *
 * Optional by construction (kit OptionalCache, shared with the product cache): a failed or slow
 * Redis makes reads go to the store.
 */
export class CatalogCache {
  private readonly generationKey: string;
  /**
   * Whether this process has advanced the generation yet: it does before its first cached read,
   * so nothing cached before it started (since then a seed or a migration may have written behind
   * the cache) is served by it.
   */
  private advanced = false;

  constructor(
    private readonly redis: Redis,
    /** Namespaces keys per database, so services (and test runs) sharing a Redis never mix catalogs. */
    private readonly prefix: string,
    /** 0 switches the cache off. */
    private readonly ttlSeconds: number,
    private readonly counter: Counter<'result'>,
    private readonly log: Logger,
    private readonly optional: OptionalCache,
  ) {
    this.generationKey = `${prefix}:catalog:generation`;
  }

  /** `load()`'s value for (`op`, `args`), from Redis when this generation has it. */
  async read<T>(op: string, args: unknown, load: () => Promise<T>): Promise<T> {
    if (this.ttlSeconds <= 0) return load();
    if (!this.advanced && !(await this.advance(false))) {
      this.counter.inc({ result: 'off' });
      return load();
    }
    const generation = await this.optional.read<string | null | false>(() => this.redis.get(this.generationKey), false);
    if (generation === false) {
      this.counter.inc({ result: 'off' });
      return load();
    }
    const key = `${this.prefix}:catalog:${generation ?? '0'}:${op}:${digest(args)}`;
    const text = await this.optional.read<string | null>(() => this.redis.get(key), null);
    if (text !== null) {
      this.counter.inc({ result: 'hit' });
      return decode(text) as T;
    }
    this.counter.inc({ result: 'miss' });
    const value = await load();
    await this.optional.write(() => this.redis.set(key, encode(value), 'EX', this.ttlSeconds));
    return value;
  }

  /**
   * After a product write: a new generation, so no listing read before it is served again. Tried
   * even while the cache is skipped (within its deadline); a failure is logged and the TTL bounds
   * how long listings may lag.
   */
  async changed(): Promise<void> {
    if (this.ttlSeconds <= 0) return;
    if (!(await this.advance(true))) this.log.error('catalog cache generation not advanced; listings may lag writes until the TTL expires');
  }

  /** INCR of the generation; `force`: even while the cache is skipped (a write must try, a read must not wait). */
  private async advance(force: boolean): Promise<boolean> {
    const done = await this.optional.write(() => this.redis.incr(this.generationKey), { force });
    if (done) this.advanced = true;
    return done;
  }
}

/** A stable digest of a read's arguments (Mongo filters with regexes and dates, sorts, limits). */
export function digest(args: unknown): string {
  return createHash('sha1').update(encode(args)).digest('base64url');
}

/** JSON that keeps Dates, RegExps and Maps (a product record's timestamps, a filter's regex, category counts). */
export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (raw instanceof RegExp) return { $regexp: raw.source, $flags: raw.flags };
    if (raw instanceof Map) return { $map: [...raw.entries()] };
    return v;
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (typeof o.$date === 'string' && Object.keys(o).length === 1) return new Date(o.$date);
      if (Array.isArray(o.$map) && Object.keys(o).length === 1) return new Map(o.$map as [unknown, unknown][]);
      if (typeof o.$regexp === 'string' && Object.keys(o).length === 2) return new RegExp(o.$regexp, String(o.$flags));
    }
    return v;
  });
}

/** `store`'s listing reads through `cache`. */
export function cachedCatalogReads(store: CatalogReads, cache: CatalogCache): CatalogReads {
  return {
    find: (filter, sort, limit) => cache.read('find', [filter, sort, limit], () => store.find(filter, sort, limit)),
    count: (filter) => cache.read('count', filter, () => store.count(filter)),
    searchCandidates: (filter) => cache.read('candidates', filter, () => store.searchCandidates(filter)),
    countActiveByCategory: (categoryIds) => cache.read('categoryCounts', [...categoryIds], () => store.countActiveByCategory(categoryIds)),
    findByIds: (ids) => cache.read('byIds', [...ids], () => store.findByIds(ids)),
  };
}
