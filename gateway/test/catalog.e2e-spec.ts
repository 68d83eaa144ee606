import { demoProducts, demoReviews, demoUsers } from '@shopgraph/demo-data';
import { uniqueId } from '@shopgraph/testkit';
import { startShop, type Shop } from './fixtures/shop';

// The catalog end to end: users, products, inventory and reviews on their real stores behind
// the real gateway, seeded with the demo shop, driven only through the public API.

let shop: Shop;
let admin: string;
let alice: string;

beforeAll(async () => {
  // The listing cache off: the N+1 test counts products' store queries per listing (products/test/catalog-cache covers the cache).
  shop = await startShop({ env: { products: { CATALOG_CACHE_TTL_SECONDS: '0' } } });
  admin = await shop.login('admin@shopgraph.local', 'Admin123!shop');
  alice = await shop.login('alice@shopgraph.local', 'Customer123!');
}, 120_000);

afterAll(() => shop?.stop());

const codes = (res: { body: { errors?: { extensions?: Record<string, unknown> }[] } }) => res.body.errors?.map((e) => e.extensions?.code);

const PRODUCT_PAGE = `query($slug: String) { product(slug: $slug) {
  id name price { amount formatted } category { slug name }
  stock { onHand reserved available } inStock
  rating { average count histogram }
  reviews(first: 5) { totalCount edges { node { rating title author { id name } } } }
} }`;

describe('catalog through the gateway', () => {
  it('answers a product page from four subgraphs in one query', async () => {
    const product = demoProducts.find((p) => demoReviews.filter((r) => r.productId === p.id).length >= 5 && p.initialStock > 0)!;
    const reviews = demoReviews.filter((r) => r.productId === product.id);
    const res = await shop.call(PRODUCT_PAGE, { slug: product.slug });
    expect(res.body.errors).toBeUndefined();
    const page = res.body.data!.product;

    expect(page).toMatchObject({ id: product.id, name: product.name, price: { amount: product.price }, category: { slug: product.categorySlug } });
    expect(page.stock).toEqual({ onHand: product.initialStock, reserved: 0, available: product.initialStock });
    expect(page.inStock).toBe(true);
    const histogram = [1, 2, 3, 4, 5].map((star) => reviews.filter((r) => r.rating === star).length);
    expect(page.rating).toEqual({
      count: reviews.length,
      histogram,
      average: expect.closeTo(reviews.reduce((s, r) => s + r.rating, 0) / reviews.length, 2),
    });
    expect(page.reviews.totalCount).toBe(reviews.length);
    expect(page.reviews.edges).toHaveLength(5);
    const names = new Map(demoUsers.map((u) => [u.id, u.name]));
    for (const { node } of page.reviews.edges) expect(node.author.name).toBe(names.get(node.author.id));
  });

  it('lists 50 products with stock, rating and review authors without N+1 store queries', async () => {
    const listing = (first: number) =>
      `{ products(first: ${first}, sort: NEWEST) { totalCount edges { node {
          id name stock { available } inStock rating { average count }
          reviews(first: 2) { edges { node { author { name } } } } } } } }`;
    // Background work (relays, sweepers) also queries the stores, so take the least of three runs.
    const cost = async (first: number) => {
      const runs: Record<string, number>[] = [];
      for (let i = 0; i < 3; i++) {
        const before = await Promise.all((['products', 'inventory', 'reviews', 'users'] as const).map((n) => shop.storeQueries(n)));
        const res = await shop.call(listing(first));
        expect(res.body.errors).toBeUndefined();
        expect(res.body.data!.products.edges).toHaveLength(first);
        const after = await Promise.all((['products', 'inventory', 'reviews', 'users'] as const).map((n) => shop.storeQueries(n)));
        runs.push({ products: after[0] - before[0], inventory: after[1] - before[1], reviews: after[2] - before[2], users: after[3] - before[3] });
      }
      return Object.fromEntries(Object.keys(runs[0]).map((k) => [k, Math.min(...runs.map((r) => r[k]))]));
    };
    const ten = await cost(10);
    const fifty = await cost(50);
    // One store query per entity type per subgraph fetch: the cost must not grow with the page.
    expect(fifty).toEqual(ten);
    for (const n of Object.values(fifty)) expect(n).toBeLessThanOrEqual(4);
    expect(fifty.inventory).toBeGreaterThanOrEqual(1);
    expect(fifty.users).toBeGreaterThanOrEqual(1);
  });

  it('shows the stock of a product created with initialStock within a bounded wait', async () => {
    const sku = uniqueId('SKU').toUpperCase();
    const created = await shop.call(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id stock { onHand } } errors { code message } } }',
      { input: { sku, name: `Test lamp ${sku}`, description: 'A lamp made by a test', categorySlug: 'home-kitchen', price: 4999, initialStock: 17 } },
      admin,
    );
    expect(created.body.data!.createProduct.errors).toEqual([]);
    const id = created.body.data!.createProduct.product.id;
    const t0 = Date.now();
    let onHand = 0;
    while (Date.now() - t0 < 15_000) {
      onHand = (await shop.call('query($id: ID) { product(id: $id) { stock { onHand } inStock } }', { id })).body.data!.product.stock.onHand;
      if (onHand === 17) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(onHand).toBe(17);
  });

  describe('authorization on every catalog mutation', () => {
    const product = demoProducts[0];
    const mutations: [string, string, Record<string, unknown>][] = [
      ['createCategory', 'mutation($n: String!) { createCategory(name: $n) { errors { code } } }', { n: `Cat ${Date.now()}` }],
      [
        'createProduct',
        'mutation($i: CreateProductInput!) { createProduct(input: $i) { errors { code } } }',
        { i: { sku: `AUTH-${Date.now()}`, name: 'Auth test', description: 'x', categorySlug: 'books', price: 100 } },
      ],
      ['updateProduct', 'mutation($id: ID!) { updateProduct(id: $id, input: { name: "Renamed by test" }) { errors { code } } }', { id: product.id }],
      ['archiveProduct', 'mutation($id: ID!) { archiveProduct(id: $id) { errors { code } } }', { id: demoProducts[1].id }],
      ['setStock', 'mutation($id: ID!) { setStock(productId: $id, onHand: 500) { errors { code } } }', { id: product.id }],
      ['adjustStock', 'mutation($id: ID!) { adjustStock(productId: $id, delta: 1, reason: "recount") { errors { code } } }', { id: product.id }],
    ];

    it.each(mutations)('%s: anonymous → UNAUTHENTICATED, CUSTOMER → FORBIDDEN, ADMIN → done', async (name, query, variables) => {
      expect(codes(await shop.call(query, variables))).toEqual(['UNAUTHENTICATED']);
      expect(codes(await shop.call(query, variables, alice))).toEqual(['FORBIDDEN']);
      const asAdmin = await shop.call(query, variables, admin);
      expect(asAdmin.body.errors).toBeUndefined();
      expect(asAdmin.body.data![name].errors).toEqual([]);
    });

    it('addReview needs a signed-in user and deleteReview its author or an ADMIN', async () => {
      const target = demoProducts.find((p) => !demoReviews.some((r) => r.productId === p.id && r.authorId === demoUsers[1].id))!;
      const add = 'mutation($i: AddReviewInput!) { addReview(input: $i) { review { id } errors { code } } }';
      const input = { i: { productId: target.id, rating: 4, title: 'Nice', body: 'Works well for me.' } };
      expect(codes(await shop.call(add, input))).toEqual(['UNAUTHENTICATED']);
      const added = await shop.call(add, input, alice);
      expect(added.body.data!.addReview.errors).toEqual([]);
      const reviewId = added.body.data!.addReview.review.id;
      const del = 'mutation($id: ID!) { deleteReview(id: $id) { errors { code } } }';
      const bob = await shop.login('bob@shopgraph.local', 'Customer123!');
      expect(codes(await shop.call(del, { id: reviewId }, bob))).toEqual(['FORBIDDEN']);
      expect((await shop.call(del, { id: reviewId }, admin)).body.data!.deleteReview.errors).toEqual([]);
    });
  });

  it('answers bad input with clear codes and no stack traces', async () => {
    const tooMany = await shop.call('{ products(first: 500) { totalCount } }');
    expect(codes(tooMany)).toEqual(['BAD_USER_INPUT']);
    const badCursor = await shop.call('{ products(after: "nonsense") { totalCount } }');
    expect(codes(badCursor)).toEqual(['BAD_USER_INPUT']);
    const inactive = await shop.call('{ products(filter: { includeInactive: true }) { totalCount } }', {}, alice);
    expect(codes(inactive)).toEqual(['FORBIDDEN']);
    const negative = await shop.call(
      'mutation { createProduct(input: { sku: "NEG-1", name: "Bad", description: "x", categorySlug: "books", price: -5 }) { product { id } errors { code field } } }',
      {},
      admin,
    );
    expect(negative.body.data!.createProduct).toEqual({ product: null, errors: [expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'price'] })] });
    const rating = await shop.call(
      'mutation($i: AddReviewInput!) { addReview(input: $i) { errors { code field } } }',
      { i: { productId: demoProducts[5].id, rating: 9, title: 'x', body: 'y' } },
      alice,
    );
    expect(rating.body.data!.addReview.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'rating'] })]);
    for (const res of [tooMany, badCursor, inactive, negative, rating]) expect(res.text).not.toMatch(/\n\s+at |stacktrace|MongoServerError|QueryFailedError/);
  });
});
