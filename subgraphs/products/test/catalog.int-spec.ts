import { randomBytes } from 'node:crypto';
import { uniqueId } from '@shopgraph/testkit';
import { productsCollection } from '../src/entities/product.document';
import { newProductDocument } from '../src/services/product.service';
import { normalizeCreateProduct } from '../src/domain/product.validator';
import {
  adminViewer,
  ARCHIVE_PRODUCT,
  createCategory,
  createProduct,
  customerViewer,
  PRODUCTS,
  startProductsSubgraph,
  type TestProductsSubgraph,
} from './fixtures/products-subgraph';
import { readsDuring } from './fixtures/mongo-commands';

// Search, filters, sorts and keyset pagination against FerretDB. Tests share one database, so
// each one scopes its products with a unique tag or word.

type Node = { id: string; name: string; price: { amount: number }; createdAt: string; tags: string[]; brand: string | null; active: boolean };
const SORTS = ['RELEVANCE', 'NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'NAME'] as const;
type Sort = (typeof SORTS)[number];

/** A lowercase word no other test (or demo product) contains. */
const uniqueWord = (prefix = 'w') => `${prefix}${randomBytes(5).toString('hex')}`;
const byId = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The order a sort must produce, computed independently of the subgraph. */
function expectedOrder(nodes: Node[], sort: Sort): string[] {
  const keyed = [...nodes];
  const time = (n: Node) => new Date(n.createdAt).getTime();
  const compare: Record<Sort, (a: Node, b: Node) => number> = {
    RELEVANCE: (a, b) => time(b) - time(a) || byId(a.id, b.id),
    NEWEST: (a, b) => time(b) - time(a) || byId(a.id, b.id),
    PRICE_ASC: (a, b) => a.price.amount - b.price.amount || byId(a.id, b.id),
    PRICE_DESC: (a, b) => b.price.amount - a.price.amount || byId(a.id, b.id),
    NAME: (a, b) => byId(a.name.toLowerCase(), b.name.toLowerCase()) || byId(a.id, b.id),
  };
  return keyed.sort(compare[sort]).map((n) => n.id);
}

describe('products subgraph: search, filters, sorting and pagination', () => {
  let sg: TestProductsSubgraph;
  let category: { id: string; slug: string };

  beforeAll(async () => {
    // The cases set up 10-20 products at once; on a busy 2-core machine the Mongo-wire server
    // queues them past the 2 s reply / 1.5 s pool-wait deadlines (SERVICE_UNAVAILABLE, as designed). What this file
    // tests is listing, not deadlines (test/hung-stores.int-spec.ts does those): a roomier one.
    sg = await startProductsSubgraph({ MONGO_SOCKET_TIMEOUT_MS: '20000', MONGO_SERVER_SELECTION_TIMEOUT_MS: '20000' });
    category = await createCategory(sg, 'Lighting');
  });
  afterAll(async () => {
    await sg?.stop();
  });

  /** Fetches every page of a list; `between` runs after each page (to insert products meanwhile). */
  async function walk(filter: Record<string, unknown>, sort: Sort, first: number, between?: () => Promise<unknown>) {
    const ids: string[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const res = await sg.call(PRODUCTS, { filter, sort, first, after }, adminViewer());
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data!.products;
      expect(conn.pageInfo.hasPreviousPage).toBe(after !== null);
      ids.push(...conn.edges.map((e: { node: Node }) => e.node.id));
      totals.push(conn.totalCount);
      if (!conn.pageInfo.hasNextPage) return { ids, totals };
      expect(conn.pageInfo.endCursor).toBe(conn.edges[conn.edges.length - 1].cursor);
      after = conn.pageInfo.endCursor;
      await between?.();
    }
    throw new Error('did not reach the last page');
  }

  async function all(filter: Record<string, unknown>): Promise<Node[]> {
    const res = await sg.call(PRODUCTS, { filter, sort: 'NEWEST', first: 100 }, adminViewer());
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.products.edges.map((e: { node: Node }) => e.node);
  }

  it('for every sort, walking all pages yields every matching product exactly once, in sort order', async () => {
    const tag = uniqueWord('t');
    const names = ['banana', 'Apple', 'apple', 'Cherry', 'banana', 'date', 'Elder', 'fig', 'apple pie', 'Zucchini'];
    // Concurrent creates (equal createdAt likely) plus direct inserts with an identical createdAt and price: ties must break by id.
    await Promise.all(names.map((name, i) => createProduct(sg, category.slug, { name, tags: [tag], price: 100 + (i % 4) * 100 })));
    const sameInstant = new Date();
    for (const name of ['Tie', 'tie', 'TIE']) {
      const input = normalizeCreateProduct({ sku: uniqueId('TIE').toUpperCase(), name, description: '', categorySlug: category.slug, tags: [tag], price: 300 });
      await productsCollection(sg.service.db).insertOne(newProductDocument(input, category.id, uniqueId('tie').replace(/_/g, '-'), sameInstant));
    }
    const products = await all({ tags: [tag] });
    expect(products).toHaveLength(13);

    for (const sort of SORTS) {
      for (const first of [1, 4, 13]) {
        const { ids, totals } = await walk({ tags: [tag] }, sort, first);
        expect(ids).toEqual(expectedOrder(products, sort));
        expect(new Set(ids).size).toBe(13);
        expect(totals.every((t) => t === 13)).toBe(true);
      }
    }
  });

  it('keeps pages keyset-stable while products are inserted between fetches: no duplicates, no skipped product', async () => {
    const tag = uniqueWord('t');
    const word = uniqueWord('s');
    const before = await Promise.all(
      Array.from({ length: 12 }, (_, i) => createProduct(sg, category.slug, { name: `${word} item ${String.fromCharCode(97 + ((i * 7) % 26))}`, tags: [tag], price: 500 + (i % 3) * 250 })),
    );
    let inserted = 0;
    const insert = () =>
      createProduct(sg, category.slug, {
        name: `${word} ${inserted % 2 ? 'aaa' : 'zzz'} new ${inserted++}`,
        tags: [tag],
        // Prices at, below and above the existing ones, so new rows land before, among and after the cursor.
        price: [100, 500, 750, 1000, 5000][inserted % 5],
      });

    const lists: [Record<string, unknown>, Sort][] = [
      ...SORTS.map((sort) => [{ tags: [tag] }, sort] as [Record<string, unknown>, Sort]),
      [{ tags: [tag], search: word }, 'RELEVANCE'],
    ];
    for (const [filter, sort] of lists) {
      const { ids } = await walk(filter, sort, 5, insert);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(before.map((p) => p.id)));
    }
    expect(inserted).toBeGreaterThan(10);
  });

  it('searches words case-insensitively across name, description, brand and tags; every word must match', async () => {
    const [w1, w2, w3, w4] = [uniqueWord(), uniqueWord(), uniqueWord(), uniqueWord()];
    const full = await createProduct(sg, category.slug, { name: `${w1.toUpperCase()} Lamp`, description: `Gives a ${w2} glow.`, brand: `${w3}`, tags: [w4] });
    const nameOnly = await createProduct(sg, category.slug, { name: `${w1} Shade` });
    const search = async (text: string) => (await all({ search: text })).map((p) => p.id).sort();

    expect(await search(`${w1} ${w2.toUpperCase()}  ${w3.toUpperCase()}, ${w4}`)).toEqual([full.id]);
    expect(await search(w1)).toEqual([full.id, nameOnly.id].sort());
    expect(await search(`${w1} shade`)).toEqual([nameOnly.id]);
    expect(await search(`${w1} ${uniqueWord()}`)).toEqual([]);
    // A prefix of a word matches (search-as-you-type), but not the middle of one; punctuation only separates words.
    expect(await search(w3.slice(0, 6))).toEqual([full.id]);
    expect(await search(w3.slice(2))).toEqual([]);
    expect(await search(`"${w1}"?! (shade)`)).toEqual([nameOnly.id]);
  });

  it('ranks RELEVANCE by where the words match (name, then brand/tags, then description) and pages it stably', async () => {
    const word = uniqueWord('r');
    const inDescription = await createProduct(sg, category.slug, { name: 'Plain one', description: `mentions ${word}` });
    const inName = await createProduct(sg, category.slug, { name: `The ${word}` });
    const inTag = await createProduct(sg, category.slug, { name: 'Tagged one', tags: [word] });
    await new Promise((r) => setTimeout(r, 5)); // a later createdAt for sure: it decides the tie below
    const inBrand = await createProduct(sg, category.slug, { name: 'Branded one', brand: word });
    const { ids, totals } = await walk({ search: word }, 'RELEVANCE', 1);
    // Brand and tag tie at 2 points: the newer (inBrand) first.
    expect(ids).toEqual([inName.id, inBrand.id, inTag.id, inDescription.id]);
    expect(totals).toEqual([4, 4, 4, 4]);
  });

  it('filters prices inclusively in minor units, tags (all of them, any case), brand and category', async () => {
    const tag = uniqueWord('t');
    const other = await createCategory(sg, 'Other');
    const [p999, p1000, p1500, p2000, p2001] = await Promise.all(
      [999, 1000, 1500, 2000, 2001].map((price, i) =>
        createProduct(sg, i === 4 ? other.slug : category.slug, { name: `Priced ${price}`, price, tags: i % 2 ? [tag, 'red'] : [tag, 'red', 'large'], brand: i === 2 ? 'Acme Lights' : 'Other' }),
      ),
    );
    const ids = async (filter: Record<string, unknown>) => (await all({ tags: [tag], ...filter })).map((p) => p.id).sort();
    expect(await ids({ minPrice: 1000, maxPrice: 2000 })).toEqual([p1000.id, p1500.id, p2000.id].sort());
    expect(await ids({ minPrice: 2000 })).toEqual([p2000.id, p2001.id].sort());
    expect(await ids({ maxPrice: 999 })).toEqual([p999.id]);
    expect(await ids({ minPrice: 1600, maxPrice: 1400 })).toEqual([]);
    expect(await ids({ tags: [tag.toUpperCase(), 'LARGE'] })).toEqual([p999.id, p1500.id, p2001.id].sort());
    expect(await ids({ tags: [tag, 'large', 'blue'] })).toEqual([]);
    expect(await ids({ brand: 'acme LIGHTS' })).toEqual([p1500.id]);
    expect(await ids({ categorySlug: other.slug })).toEqual([p2001.id]);
    expect(await ids({ categorySlug: 'no-such-category' })).toEqual([]);
    const negative = await sg.call(PRODUCTS, { filter: { minPrice: -1 } });
    expect(negative.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('hides archived products unless an ADMIN asks; includeInactive is FORBIDDEN for customers and UNAUTHENTICATED for anonymous callers', async () => {
    const tag = uniqueWord('t');
    const kept = await createProduct(sg, category.slug, { tags: [tag] });
    const archived = await createProduct(sg, category.slug, { tags: [tag] });
    expect((await sg.call(ARCHIVE_PRODUCT, { id: archived.id }, adminViewer())).body.data!.archiveProduct.errors).toEqual([]);

    const visible = await sg.call(PRODUCTS, { filter: { tags: [tag] } }, customerViewer());
    expect(visible.body.data!.products.edges.map((e: { node: Node }) => e.node.id)).toEqual([kept.id]);
    const admin = await sg.call(PRODUCTS, { filter: { tags: [tag], includeInactive: true } }, adminViewer());
    expect(admin.body.data!.products.totalCount).toBe(2);
    expect(admin.body.data!.products.edges.find((e: { node: Node }) => e.node.id === archived.id).node.active).toBe(false);

    const customer = await sg.call(PRODUCTS, { filter: { tags: [tag], includeInactive: true } }, customerViewer());
    expect(customer.body.data).toBeNull();
    expect(customer.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    const anonymous = await sg.call(PRODUCTS, { filter: { tags: [tag], includeInactive: true } });
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    const explicitFalse = await sg.call(PRODUCTS, { filter: { tags: [tag], includeInactive: false } }, customerViewer());
    expect(explicitFalse.body.data!.products.totalCount).toBe(1);
  });

  it('rejects cursors of another sort, forged cursors and page sizes over 100 as BAD_USER_INPUT; defaults to 20 per page', async () => {
    const tag = uniqueWord('t');
    await Promise.all(Array.from({ length: 22 }, (_, i) => createProduct(sg, category.slug, { tags: [tag], price: 100 + i })));
    const first = await sg.call(PRODUCTS, { filter: { tags: [tag] }, sort: 'PRICE_ASC' });
    expect(first.body.data!.products.edges).toHaveLength(20);
    expect(first.body.data!.products.totalCount).toBe(22);
    const cursor = first.body.data!.products.pageInfo.endCursor;

    for (const sort of ['PRICE_DESC', 'NEWEST', 'NAME', 'RELEVANCE']) {
      const wrong = await sg.call(PRODUCTS, { filter: { tags: [tag] }, sort, after: cursor });
      expect(wrong.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
    const forged = await sg.call(PRODUCTS, { filter: { tags: [tag] }, sort: 'PRICE_ASC', after: 'eyJvZmZzZXQiOjIwfQ' });
    expect(forged.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await sg.call(PRODUCTS, { first: 101 });
    expect(tooMany.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const rest = await sg.call(PRODUCTS, { filter: { tags: [tag] }, sort: 'PRICE_ASC', after: cursor });
    expect(rest.body.data!.products.edges.map((e: { node: Node }) => e.node.price.amount)).toEqual([120, 121]);
  });

  it('finds one product by id or by slug (exactly one required), archived ones included with active = false', async () => {
    const product = await createProduct(sg, category.slug, { name: `Findable ${uniqueWord()}` });
    const byIdRes = await sg.call(`query($id: ID) { product(id: $id) { id slug category { slug } } }`, { id: product.id });
    expect(byIdRes.body.data!.product).toEqual({ id: product.id, slug: product.slug, category: { slug: category.slug } });
    const bySlug = await sg.call(`query($slug: String) { product(slug: $slug) { id } }`, { slug: product.slug.toUpperCase() });
    expect(bySlug.body.data!.product).toEqual({ id: product.id });

    const both = await sg.call(`query($id: ID, $slug: String) { product(id: $id, slug: $slug) { id } }`, { id: product.id, slug: product.slug });
    expect(both.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const neither = await sg.call(`{ product { id } }`);
    expect(neither.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const unknown = await sg.call(`{ product(id: "not-a-uuid") { id } }`);
    expect(unknown.body).toEqual({ data: { product: null } });

    await sg.call(ARCHIVE_PRODUCT, { id: product.id }, adminViewer());
    const archived = await sg.call(`query($slug: String) { product(slug: $slug) { id active } }`, { slug: product.slug });
    expect(archived.body.data!.product).toEqual({ id: product.id, active: false });
  });

  it('lists categories and pages Category.products for several categories with one products query', async () => {
    const cats = await Promise.all([createCategory(sg, 'Alpha'), createCategory(sg, 'Beta'), createCategory(sg, 'Gamma')]);
    const made = await Promise.all(cats.flatMap((c, ci) => Array.from({ length: ci + 2 }, (_, i) => createProduct(sg, c.slug, { price: (i + 1) * 100 }))));
    await sg.call(ARCHIVE_PRODUCT, { id: made[0].id }, adminViewer());

    let res: Awaited<ReturnType<TestProductsSubgraph['call']>> | undefined;
    const reads = await readsDuring(sg.service.mongo, 'products', async () => {
      res = await sg.call(`{ categories { id slug name products(first: 2, sort: PRICE_DESC) { totalCount edges { node { id price { amount } } } pageInfo { hasNextPage } } } }`);
    });
    expect(res!.body.errors).toBeUndefined();
    const listed = res!.body.data!.categories as { id: string; products: { totalCount: number; edges: { node: { price: { amount: number } } }[]; pageInfo: { hasNextPage: boolean } } }[];
    const mine = cats.map((c) => listed.find((l) => l.id === c.id)!);
    expect(mine.map((c) => c.products.totalCount)).toEqual([1, 3, 4]);
    expect(mine.map((c) => c.products.edges.map((e) => e.node.price.amount))).toEqual([[200], [300, 200], [400, 300]]);
    expect(mine.map((c) => c.products.pageInfo.hasNextPage)).toEqual([false, true, true]);
    // However many categories: one count aggregation and one find on products.
    expect(listed.length).toBeGreaterThanOrEqual(4);
    expect(reads.map((r) => r.commandName).sort()).toEqual(['aggregate', 'find']);

    const second = await sg.call(`query($id: ID) { product(id: $id) { category { products(first: 2, sort: PRICE_DESC) { pageInfo { endCursor } } } } }`, { id: made[5].id });
    const after = second.body.data!.product.category.products.pageInfo.endCursor;
    const next = await sg.call(
      `query($id: ID, $after: String) { product(id: $id) { category { products(first: 2, sort: PRICE_DESC, after: $after) { edges { node { price { amount } } } pageInfo { hasNextPage } } } } }`,
      { id: made[5].id, after },
    );
    expect(next.body.data!.product.category.products).toEqual({ edges: [{ node: { price: { amount: 200 } } }, { node: { price: { amount: 100 } } }], pageInfo: { hasNextPage: false } });
  });
});
