import {
  adminViewer,
  ARCHIVE_PRODUCT,
  cacheRequests,
  createCategory,
  createProduct,
  startProductsSubgraph,
  UPDATE_PRODUCT,
  type TestProductsSubgraph,
} from './fixtures/products-subgraph';
import { readsDuring } from './fixtures/mongo-commands';

// The Redis read cache of single products and batched federation references.

const BY_ID = `query($id: ID) { product(id: $id) { id name active } }`;
const BY_SLUG = `query($slug: String) { product(slug: $slug) { id name active } }`;
const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Product { id name category { id slug } } ... on Category { id name } } }`;

describe('products subgraph: product cache and entity references', () => {
  let sg: TestProductsSubgraph;
  let category: { id: string; slug: string };

  beforeAll(async () => {
    sg = await startProductsSubgraph();
    category = await createCategory(sg, 'Cameras');
  });
  afterAll(async () => {
    await sg?.stop();
  });

  const cacheCount = (result: 'hit' | 'miss') => cacheRequests(sg, 'product_cache_requests_total', result);

  it('serves the second read of a product from Redis (a counted hit, no MongoDB read) and drops it on update and archive', async () => {
    const product = await createProduct(sg, category.slug, { name: 'Pocket Camera' });
    const [hits0, misses0] = [await cacheCount('hit'), await cacheCount('miss')];

    const firstReads = await readsDuring(sg.service.mongo, 'products', async () => {
      expect((await sg.call(BY_ID, { id: product.id })).body.data!.product).toEqual({ id: product.id, name: 'Pocket Camera', active: true });
    });
    expect(firstReads).toHaveLength(1);
    expect(await cacheCount('miss')).toBe(misses0 + 1);

    const secondReads = await readsDuring(sg.service.mongo, 'products', async () => {
      expect((await sg.call(BY_ID, { id: product.id })).body.data!.product.name).toBe('Pocket Camera');
      // The miss above cached it under its slug too.
      expect((await sg.call(BY_SLUG, { slug: product.slug })).body.data!.product.id).toBe(product.id);
    });
    expect(secondReads).toHaveLength(0);
    expect(await cacheCount('hit')).toBe(hits0 + 2);
    expect(await sg.service.redis.ttl(`${sg.cachePrefix}:product:id:${product.id}`)).toBeGreaterThan(250);

    // Proof that reads really come from Redis: a change made behind the service's back is not seen...
    await sg.service.db.collection('products').updateOne({ _id: product.id as never }, { $set: { name: 'Changed Behind The Back' } });
    expect((await sg.call(BY_ID, { id: product.id })).body.data!.product.name).toBe('Pocket Camera');

    // ...but updateProduct invalidates both keys, so the new name is returned by id and by slug.
    const updated = await sg.call(UPDATE_PRODUCT, { id: product.id, input: { name: 'Pocket Camera Mk II' } }, adminViewer());
    expect(updated.body.data!.updateProduct.errors).toEqual([]);
    expect((await sg.call(BY_ID, { id: product.id })).body.data!.product.name).toBe('Pocket Camera Mk II');
    expect((await sg.call(BY_SLUG, { slug: product.slug })).body.data!.product.name).toBe('Pocket Camera Mk II');

    await sg.call(ARCHIVE_PRODUCT, { id: product.id }, adminViewer());
    expect((await sg.call(BY_SLUG, { slug: product.slug })).body.data!.product.active).toBe(false);
    expect((await sg.call(BY_ID, { id: product.id })).body.data!.product.active).toBe(false);
  });

  it('exposes the cache counters and store_queries_total on /metrics; the relay polling in the background is not counted', async () => {
    const storeQueries = async () => Number((await (await fetch(new URL('/metrics', sg.url))).text()).match(/store_queries_total\{store="mongodb",service="products"\} (\d+)/)?.[1]);
    const text = await (await fetch(new URL('/metrics', sg.url))).text();
    expect(text).toMatch(/product_cache_requests_total\{result="hit",service="products"\} [1-9]/);
    const before = await storeQueries();
    expect(before).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2500)); // more than two relay polls
    expect(await storeQueries()).toBe(before);
    await sg.call(`{ categories { id } }`);
    expect(await storeQueries()).toBe(before + 1);
  });

  it('resolves 20 Product references with ONE MongoDB find ($in), unknown ids as null, then from the cache', async () => {
    const products = await Promise.all(Array.from({ length: 20 }, (_, i) => createProduct(sg, category.slug, { name: `Lens ${i}` })));
    const representations = [...products.map((p) => ({ __typename: 'Product', id: p.id })), { __typename: 'Product', id: 'not-a-uuid' }];

    let res: Awaited<ReturnType<TestProductsSubgraph['call']>> | undefined;
    const reads = await readsDuring(sg.service.mongo, 'products', async () => {
      res = await sg.call(ENTITIES, { representations });
    });
    expect(res!.body.errors).toBeUndefined();
    expect(res!.body.data!._entities).toEqual([...products.map((p) => ({ id: p.id, name: p.name, category: { id: category.id, slug: category.slug } })), null]);
    expect(reads).toHaveLength(1);
    expect(reads[0].commandName).toBe('find');
    expect(reads[0].command.filter._id.$in).toHaveLength(21);

    const hits = await cacheCount('hit');
    const cachedReads = await readsDuring(sg.service.mongo, 'products', async () => {
      res = await sg.call(ENTITIES, { representations });
    });
    expect(res!.body.data!._entities).toHaveLength(21);
    // Only the unknown id goes to MongoDB again (absent products are not cached).
    expect(cachedReads.map((r) => r.command.filter._id.$in)).toEqual([['not-a-uuid']]);
    expect(await cacheCount('hit')).toBe(hits + 20);
  });

  it('resolves Category references and Product.category for many products with one categories query', async () => {
    const cats = await Promise.all([createCategory(sg, 'Tripods'), createCategory(sg, 'Bags'), createCategory(sg, 'Flashes')]);
    const products = await Promise.all(cats.flatMap((c) => [createProduct(sg, c.slug), createProduct(sg, c.slug)]));
    let res: Awaited<ReturnType<TestProductsSubgraph['call']>> | undefined;
    const reads = await readsDuring(sg.service.mongo, 'categories', async () => {
      res = await sg.call(ENTITIES, {
        representations: [...cats.map((c) => ({ __typename: 'Category', id: c.id })), ...products.map((p) => ({ __typename: 'Product', id: p.id }))],
      });
    });
    expect(res!.body.errors).toBeUndefined();
    expect(res!.body.data!._entities.slice(0, 3)).toEqual(cats.map((c) => ({ id: c.id, name: c.name })));
    expect(res!.body.data!._entities.slice(3).map((p: { category: { id: string } }) => p.category.id)).toEqual(cats.flatMap((c) => [c.id, c.id]));
    expect(reads).toHaveLength(1);
  });
});
