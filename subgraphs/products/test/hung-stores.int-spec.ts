import type { Counter, Gauge } from 'prom-client';
import { KIT_DEADLINES_ENV, eventually, freezableProxy, stackEnv, type FreezableProxy } from '@shopgraph/testkit';
import { createCategory, createProduct, startProductsSubgraph, type TestProductsSubgraph } from './fixtures/products-subgraph';

// Issue 22: a cache is optional by construction and every store call has a deadline. Redis and
// the Mongo-wire server are reached through TCP proxies this test freezes (a frozen proxy accepts
// connections and never answers, as a SIGSTOPped server does); the shared servers are untouched.

const BY_SLUG = `query($slug: String) { product(slug: $slug) { id name } }`;
const LIST = `{ products(first: 5) { edges { node { id } } } }`;
/** A listing no earlier request made, so the listing cache (stores/catalog.cache.ts) cannot answer it: the store must. */
let searches = 0;
const uncachedList = (sg: TestProductsSubgraph) => sg.call(`{ products(filter: { search: "nothing${Date.now().toString(36)}x${++searches}" }, first: 5) { edges { node { id } } } }`);

async function timed<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = Date.now();
  const value = await run();
  return { ms: Date.now() - started, value };
}

describe('products with a hung Redis (its cache) or a hung Mongo-wire server', () => {
  let redis: FreezableProxy;
  let mongo: FreezableProxy;
  let sg: TestProductsSubgraph;

  beforeAll(async () => {
    const redisTarget = new URL(stackEnv.redisUrl);
    const mongoTarget = new URL(stackEnv.mongoUrl);
    redis = await freezableProxy({ host: redisTarget.hostname, port: Number(redisTarget.port || 6379) });
    mongo = await freezableProxy({ host: mongoTarget.hostname, port: Number(mongoTarget.port || 27017) });
    sg = await startProductsSubgraph({ ...KIT_DEADLINES_ENV, REDIS_URL: redis.url('redis'), MONGO_URL: mongo.url('mongodb'), CACHE_COOLDOWN_MS: '1000' });
  });
  afterAll(async () => {
    redis?.thaw();
    mongo?.thaw();
    await sg?.stop();
    await Promise.all([redis?.close(), mongo?.close()]);
  });

  const ready = async () => {
    const res = await fetch(new URL('/health/ready', sg.url));
    return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
  };
  const metric = async (name: string, labels: Record<string, string>) => {
    const m = sg.service.metrics.getSingleMetric(name) as Counter<string> | Gauge<string>;
    return (await m.get()).values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value ?? 0;
  };

  it('serves the product page from MongoDB within its deadline while Redis hangs, skips the cache meanwhile, stays ready, and uses the cache again after', async () => {
    const category = await createCategory(sg, 'Hung Cache');
    const product = await createProduct(sg, category.slug, { name: 'Frozen Lamp' });
    await sg.call(BY_SLUG, { slug: product.slug }); // fills the cache
    expect((await sg.call(BY_SLUG, { slug: product.slug })).body.data!.product.name).toBe('Frozen Lamp');
    const hitsBefore = await metric('product_cache_requests_total', { result: 'hit' });
    expect(hitsBefore).toBeGreaterThan(0);

    redis.freeze();
    for (let i = 0; i < 5; i++) {
      const { ms, value: res } = await timed(() => sg.call(BY_SLUG, { slug: product.slug }));
      expect(res.body).toEqual({ data: { product: { id: product.id, name: 'Frozen Lamp' } } });
      expect(ms).toBeLessThan(1000); // CACHE_TIMEOUT_MS is 100
    }
    // One cache call timed out; the other four skipped the cache without waiting.
    expect(await metric('cache_failures_total', { cache: 'products' })).toBe(1);
    expect(await metric('cache_available', { cache: 'products' })).toBe(0);
    const whileFrozen = await ready();
    expect(whileFrozen.status).toBe(200);
    expect(whileFrozen.body.checks.redis).toBeUndefined();

    redis.thaw();
    // After the cooldown (1 s here) one read probes Redis and the cache is used again.
    await eventually(async () => {
      await sg.call(BY_SLUG, { slug: product.slug });
      return (await metric('product_cache_requests_total', { result: 'hit' })) > hitsBefore ? true : undefined;
    }, 15000, 300);
    expect(await metric('cache_available', { cache: 'products' })).toBe(1);
  });

  it('answers SERVICE_UNAVAILABLE within its deadline while the Mongo-wire server hangs, turns readiness red, and recovers', async () => {
    expect((await sg.call(LIST)).body.errors).toBeUndefined();

    mongo.freeze();
    const { ms, value: res } = await timed(() => uncachedList(sg));
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', retryAfter: 5 } });
    expect(res.text).not.toMatch(/Mongo|timed out|stack/i);
    // MONGO_SOCKET_TIMEOUT_MS 2000 (reads are not retried), under the gateway's 3 s subgraph deadline.
    expect(ms).toBeLessThan(3000);
    const unready = await ready();
    expect(unready.status).toBe(503);
    expect(unready.body.checks.mongodb).toMatch(/^down/);
    // A listing the cache holds is still answered meanwhile.
    expect((await sg.call(LIST)).body.errors).toBeUndefined();

    mongo.thaw();
    await eventually(async () => ((await uncachedList(sg)).body.errors === undefined ? true : undefined), 20000, 300);
    await eventually(async () => ((await ready()).status === 200 ? true : undefined), 15000, 300);
  });
});
