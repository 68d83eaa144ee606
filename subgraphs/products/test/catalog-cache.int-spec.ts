import { uniqueId } from '@shopgraph/testkit';
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

// The catalog's listing reads through the Redis read cache (stores/catalog.cache.ts), on the real
// FerretDB and Redis: repeated listings do not reach the store, and a write through the service
// is seen by the very next listing.

const LIST = `query($tag: String!, $first: Int, $sort: ProductSort) {
  products(filter: { tags: [$tag] }, sort: $sort, first: $first) { totalCount edges { node { id name } } pageInfo { hasNextPage } }
}`;
const SEARCH = `query($q: String!) { products(filter: { search: $q }, first: 10) { totalCount edges { node { id } } } }`;

describe('products subgraph: the catalog listing cache', () => {
  let sg: TestProductsSubgraph;
  let category: { id: string; slug: string };

  beforeAll(async () => {
    sg = await startProductsSubgraph();
    category = await createCategory(sg, 'Lenses');
  });
  afterAll(async () => {
    await sg?.stop();
  });

  const cacheCount = (result: 'hit' | 'miss' | 'off') => cacheRequests(sg, 'catalog_cache_requests_total', result);

  const list = async (tag: string, first = 2, sort = 'NEWEST') => {
    const res = await sg.call(LIST, { tag, first, sort });
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.products;
    return { totalCount: page.totalCount as number, names: page.edges.map((e: { node: { name: string } }) => e.node.name) as string[], hasNextPage: page.pageInfo.hasNextPage as boolean };
  };

  it('serves a repeated listing and search from Redis: counted hits, no read of the products collection', async () => {
    const tag = uniqueId('lens').replace(/[^a-z0-9]/gi, '').toLowerCase();
    for (const name of ['Wide Lens', 'Tele Lens', 'Macro Lens']) await createProduct(sg, category.slug, { name: `${name} ${tag}`, tags: [tag] });

    const first = await list(tag);
    expect(first).toEqual({ totalCount: 3, names: [`Macro Lens ${tag}`, `Tele Lens ${tag}`], hasNextPage: true });
    const firstSearch = (await sg.call(SEARCH, { q: `macro ${tag}` })).body.data!.products;
    expect(firstSearch.totalCount).toBe(1);

    const hits0 = await cacheCount('hit');
    const reads = await readsDuring(sg.service.mongo, 'products', async () => {
      expect(await list(tag)).toEqual(first);
      expect((await sg.call(SEARCH, { q: `macro ${tag}` })).body.data!.products).toEqual(firstSearch);
    });
    expect(reads).toHaveLength(0);
    // The page and its count; the search's candidates and its window of products.
    expect(await cacheCount('hit')).toBe(hits0 + 4);
  });

  it('a write through the service is seen by the next listing at once; a change behind its back only with the next write', async () => {
    const tag = uniqueId('lens').replace(/[^a-z0-9]/gi, '').toLowerCase();
    const wide = await createProduct(sg, category.slug, { name: `Wide ${tag}`, tags: [tag] });
    const tele = await createProduct(sg, category.slug, { name: `Tele ${tag}`, tags: [tag] });
    expect(await list(tag)).toMatchObject({ totalCount: 2, names: [`Tele ${tag}`, `Wide ${tag}`] });

    // Proof the listing is cached: a change made behind the service's back is not seen...
    await sg.service.db.collection('products').updateOne({ _id: wide.id as never }, { $set: { name: `Changed Behind ${tag}` } });
    expect((await list(tag)).names).toEqual([`Tele ${tag}`, `Wide ${tag}`]);

    // ...until the service writes: a new product shows at once, with the other change.
    await createProduct(sg, category.slug, { name: `Macro ${tag}`, tags: [tag] });
    expect(await list(tag, 3)).toMatchObject({ totalCount: 3, names: [`Macro ${tag}`, `Tele ${tag}`, `Changed Behind ${tag}`] });

    const renamed = await sg.call(UPDATE_PRODUCT, { id: tele.id, input: { name: `Tele Mk II ${tag}` } }, adminViewer());
    expect(renamed.body.data!.updateProduct.errors).toEqual([]);
    expect((await list(tag, 3)).names).toEqual([`Macro ${tag}`, `Tele Mk II ${tag}`, `Changed Behind ${tag}`]);

    await sg.call(ARCHIVE_PRODUCT, { id: tele.id }, adminViewer());
    expect(await list(tag, 3)).toMatchObject({ totalCount: 2, names: [`Macro ${tag}`, `Changed Behind ${tag}`] });
  });

  it('with CATALOG_CACHE_TTL_SECONDS=0 every listing reads the store', async () => {
    const off = await startProductsSubgraph({ CATALOG_CACHE_TTL_SECONDS: '0' });
    try {
      const cat = await createCategory(off, 'Tripods');
      const tag = uniqueId('tripod').replace(/[^a-z0-9]/gi, '').toLowerCase();
      await createProduct(off, cat.slug, { name: `Tripod ${tag}`, tags: [tag] });
      const call = () => off.call(LIST, { tag, first: 2, sort: 'NEWEST' });
      await call();
      const reads = await readsDuring(off.service.mongo, 'products', async () => expect((await call()).body.data!.products.totalCount).toBe(1));
      expect(reads.length).toBeGreaterThanOrEqual(2);
    } finally {
      await off.stop();
    }
  });
});
