import { randomUUID } from 'node:crypto';
import { demoReviews } from '@shopgraph/demo-data';
import { createEvent } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import { seedReviews } from '../src/seed';
import { ADD_REVIEW, addReview, admin, customer, DELETE_REVIEW, orderStatusChanged, RATING, startReviewsSubgraph, type TestReviewsSubgraph } from './fixtures/reviews-subgraph';

const PRODUCT_REVIEWS = `
  query($r: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $r) {
      ... on Product { id reviews(first: $first, after: $after) {
        totalCount
        edges { cursor node { id rating createdAt author { id } product { id } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      } }
    }
  }`;
const USER_REVIEWS = `
  query($r: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $r) {
      ... on User { id reviews(first: $first, after: $after) { totalCount edges { node { id product { id } } } pageInfo { hasNextPage endCursor } } }
    }
  }`;

const products = (...ids: string[]) => ids.map((id) => ({ __typename: 'Product', id }));

describe('reviews subgraph: reviews, ratings and entities', () => {
  let subgraph: TestReviewsSubgraph;

  beforeAll(async () => {
    subgraph = await startReviewsSubgraph();
  }, 90000);
  afterAll(async () => {
    await subgraph?.stop();
  });

  const ratingOf = async (productId: string) => (await subgraph.call(RATING, { r: products(productId) })).body.data!._entities[0].rating;

  it('adds a review once per user and product: ALREADY_REVIEWED on the second try', async () => {
    const author = customer();
    const productId = await subgraph.knownProduct();
    const res = await subgraph.call(ADD_REVIEW, { input: { productId, rating: 5, title: '  Great kettle ', body: ' Boils fast. ' } }, author);
    const { review, errors } = res.body.data!.addReview;
    expect(errors).toEqual([]);
    expect(review).toMatchObject({ rating: 5, title: 'Great kettle', body: 'Boils fast.', verifiedPurchase: false, product: { id: productId }, author: { id: author.id } });
    expect(Date.now() - Date.parse(review.createdAt)).toBeLessThan(60000);

    const read = await subgraph.call(`query($id: ID!) { review(id: $id) { id title author { id } } }`, { id: review.id });
    expect(read.body.data!.review).toEqual({ id: review.id, title: 'Great kettle', author: { id: author.id } });
    const entity = await subgraph.call(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Review { id rating } } }`, {
      r: [{ __typename: 'Review', id: review.id }, { __typename: 'Review', id: 'nope' }, { __typename: 'Review', id: randomUUID() }],
    });
    expect(entity.body.data!._entities).toEqual([{ id: review.id, rating: 5 }, null, null]);
    expect((await subgraph.call(`{ review(id: "not-a-uuid") { id } }`)).body).toEqual({ data: { review: null } });

    const again = await subgraph.call(ADD_REVIEW, { input: { productId, rating: 1, title: 'Changed my mind', body: 'Meh.' } }, author);
    expect(again.body.data!.addReview).toEqual({
      review: null,
      errors: [{ code: 'ALREADY_REVIEWED', message: expect.any(String), field: ['input', 'productId'] }],
    });
    expect(await ratingOf(productId)).toEqual({ average: 5, count: 1, histogram: [0, 0, 0, 0, 1] });
  });

  it('keeps exactly one review when the same user adds five at once', async () => {
    const author = customer();
    const productId = await subgraph.knownProduct();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((rating) => subgraph.call(ADD_REVIEW, { input: { productId, rating, title: `Take ${rating}`, body: 'Racing.' } }, author)),
    );
    const payloads = results.map((r) => r.body.data!.addReview);
    expect(payloads.filter((p) => p.review)).toHaveLength(1);
    expect(payloads.filter((p) => p.errors[0]?.code === 'ALREADY_REVIEWED')).toHaveLength(4);
    expect(await subgraph.collections.reviews.countDocuments({ productId, authorId: author.id })).toBe(1);
    const winner = payloads.find((p) => p.review)!.review;
    expect((await ratingOf(productId)).count).toBe(1);
    expect((await ratingOf(productId)).average).toBe(winner.rating);
  });

  it('counts every rating when forty customers review one product at once', async () => {
    const productId = await subgraph.knownProduct();
    const authors = Array.from({ length: 40 }, () => customer());
    const results = await Promise.all(
      authors.map((author, i) => subgraph.call(ADD_REVIEW, { input: { productId, rating: (i % 5) + 1, title: `Take ${i}`, body: 'Concurrent.' } }, author)),
    );
    expect(results.every((r) => r.body.data!.addReview.errors.length === 0)).toBe(true);
    // FerretDB applies updates without isolation: without the per-product lock some $inc would be lost.
    expect(await ratingOf(productId)).toMatchObject({ count: 40, histogram: [8, 8, 8, 8, 8] });
    // Forty writes one at a time behind the product's lock, each several Mongo-wire round trips: on a
    // busy 2-core machine that has taken over a minute (a correctness case, not a latency one).
  }, 180_000);

  it('validates rating, title, body and product id with INVALID_INPUT and field paths, storing nothing', async () => {
    const author = customer();
    const productId = await subgraph.knownProduct();
    const cases: [Record<string, unknown>, string][] = [
      [{ rating: 0 }, 'rating'],
      [{ rating: 6 }, 'rating'],
      [{ title: '   ' }, 'title'],
      [{ title: 't'.repeat(121) }, 'title'],
      [{ body: '' }, 'body'],
      [{ body: 'b'.repeat(5001) }, 'body'],
      [{ productId: 'not-a-uuid' }, 'productId'],
    ];
    for (const [change, field] of cases) {
      const res = await subgraph.call(ADD_REVIEW, { input: { productId, rating: 3, title: 'Fine', body: 'Okay.', ...change } }, author);
      expect(res.body.data!.addReview).toEqual({ review: null, errors: [{ code: 'INVALID_INPUT', message: expect.any(String), field: ['input', field] }] });
    }
    const all = await subgraph.call(ADD_REVIEW, { input: { productId: 'x', rating: -2, title: '', body: ' ' } }, author);
    expect(all.body.data!.addReview.errors.map((e: { field: string[] }) => e.field[1])).toEqual(['productId', 'rating', 'title', 'body']);
    const edge = await subgraph.call(ADD_REVIEW, { input: { productId, rating: 3, title: ` ${'t'.repeat(120)} `, body: 'b'.repeat(5000) } }, author);
    expect(edge.body.data!.addReview.errors).toEqual([]);
    expect(await subgraph.collections.reviews.countDocuments({ authorId: author.id })).toBe(1);
    // A rating that is not an Int at all never reaches the resolver.
    const float = await subgraph.call(ADD_REVIEW, { input: { productId: randomUUID(), rating: 4.5, title: 'x', body: 'y' } }, author);
    expect(float.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('requires a signed-in user to add or delete reviews', async () => {
    const anonymous = await subgraph.call(ADD_REVIEW, { input: { productId: randomUUID(), rating: 4, title: 'x', body: 'y' } });
    expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(anonymous.body.data).toBeNull();
    const review = await addReview(subgraph, customer());
    const anonymousDelete = await subgraph.call(DELETE_REVIEW, { id: review.id });
    expect(anonymousDelete.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(await subgraph.collections.reviews.countDocuments({ _id: review.id })).toBe(1);
  });

  it('lets the author or an ADMIN delete a review, others get FORBIDDEN, and the rating follows', async () => {
    const productId = randomUUID();
    const [alice, bob, carol] = [customer(), customer(), customer()];
    const a = await addReview(subgraph, alice, { productId, rating: 5 });
    const b = await addReview(subgraph, bob, { productId, rating: 2 });
    await addReview(subgraph, carol, { productId, rating: 4 });
    expect(await ratingOf(productId)).toEqual({ average: 3.67, count: 3, histogram: [0, 1, 0, 1, 1] });

    const stranger = await subgraph.call(DELETE_REVIEW, { id: a.id }, bob);
    expect(stranger.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    expect((await ratingOf(productId)).count).toBe(3);

    const byAuthor = await subgraph.call(DELETE_REVIEW, { id: a.id }, alice);
    expect(byAuthor.body.data!.deleteReview).toEqual({ review: { id: a.id }, errors: [] });
    expect(await ratingOf(productId)).toEqual({ average: 3, count: 2, histogram: [0, 1, 0, 1, 0] });

    const byAdmin = await subgraph.call(DELETE_REVIEW, { id: b.id }, admin());
    expect(byAdmin.body.data!.deleteReview).toEqual({ review: { id: b.id }, errors: [] });
    expect(await ratingOf(productId)).toEqual({ average: 4, count: 1, histogram: [0, 0, 0, 1, 0] });

    for (const id of [a.id, randomUUID(), 'not-a-uuid']) {
      const gone = await subgraph.call(DELETE_REVIEW, { id }, alice);
      expect(gone.body.data!.deleteReview).toEqual({ review: null, errors: [{ code: 'NOT_FOUND', field: ['id'] }] });
    }
    // Deleting frees the slot: the author may review the product again.
    const again = await addReview(subgraph, alice, { productId, rating: 1 });
    expect(again.rating).toBe(1);
    expect(await ratingOf(productId)).toEqual({ average: 2.5, count: 2, histogram: [1, 0, 0, 1, 0] });

    // ReviewAdded x4 and ReviewDeleted x2 rode with the summary changes; the relay published them (acks=all) and cleared the outbox.
    const drained = await eventually(async () => {
      const summary = await subgraph.collections.ratingSummaries.findOne({ _id: productId });
      return summary && summary._outboxPending === false ? summary : undefined;
    });
    expect(drained._outbox).toEqual([]);
    expect(drained._outboxVersion).toBe(6);
  });

  it('summarizes a product with several ratings, and one without any', async () => {
    const productId = randomUUID();
    for (const rating of [5, 5, 4, 3, 1, 5]) await addReview(subgraph, customer(), { productId, rating });
    const unrated = randomUUID();
    const res = await subgraph.call(RATING, { r: products(productId, unrated, 'not-a-uuid') });
    expect(res.body.data!._entities).toEqual([
      { id: productId, rating: { average: 3.83, count: 6, histogram: [1, 0, 1, 1, 3] } },
      { id: unrated, rating: { average: null, count: 0, histogram: [0, 0, 0, 0, 0] } },
      { id: 'not-a-uuid', rating: { average: null, count: 0, histogram: [0, 0, 0, 0, 0] } },
    ]);
  });

  it("walks a product's reviews page by page, newest first, each review once", async () => {
    const productId = randomUUID();
    const added: string[] = [];
    for (let i = 0; i < 7; i += 1) added.push((await addReview(subgraph, customer(), { productId, rating: (i % 5) + 1 })).id);
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page += 1) {
      const res = await subgraph.call(PRODUCT_REVIEWS, { r: products(productId), first: 3, after });
      expect(res.body.errors).toBeUndefined();
      const connection = res.body.data!._entities[0].reviews;
      expect(connection.totalCount).toBe(7);
      expect(connection.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(connection.edges.length).toBe(page < 2 ? 3 : 1);
      seen.push(...connection.edges.map((e: { node: { id: string; createdAt: string; product: { id: string } } }) => e.node));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen.map((r) => r.id)).toEqual([...added].reverse());
    expect(new Set(seen.map((r) => r.id)).size).toBe(7);
    const times = seen.map((r) => Date.parse(r.createdAt));
    expect([...times].sort((x, y) => y - x)).toEqual(times);

    const forged = await subgraph.call(PRODUCT_REVIEWS, { r: products(productId), after: 'forged' });
    expect(forged.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await subgraph.call(PRODUCT_REVIEWS, { r: products(productId), first: 101 });
    expect(tooMany.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('pages the same way for several products at once (one query, paged in code)', async () => {
    const [p1, p2] = [randomUUID(), randomUUID()];
    const ids1: string[] = [];
    for (let i = 0; i < 3; i += 1) ids1.push((await addReview(subgraph, customer(), { productId: p1 })).id);
    const ids2 = [(await addReview(subgraph, customer(), { productId: p2 })).id];
    const first = (await subgraph.call(PRODUCT_REVIEWS, { r: products(p1, p2, randomUUID()), first: 2 })).body.data!._entities;
    expect(first.map((e: any) => e.reviews.edges.map((x: any) => x.node.id))).toEqual([[ids1[2], ids1[1]], ids2, []]);
    expect(first.map((e: any) => e.reviews.totalCount)).toEqual([3, 1, 0]);
    expect(first.map((e: any) => e.reviews.pageInfo.hasNextPage)).toEqual([true, false, false]);
    const second = (await subgraph.call(PRODUCT_REVIEWS, { r: products(p1, p2), first: 2, after: first[0].reviews.pageInfo.endCursor })).body.data!._entities;
    expect(second[0].reviews.edges.map((x: any) => x.node.id)).toEqual([ids1[0]]);
    expect(second[0].reviews.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it("lists a user's reviews newest first", async () => {
    const author = customer();
    const written: string[] = [];
    for (let i = 0; i < 3; i += 1) written.push((await addReview(subgraph, author, { rating: 5 - i })).product.id);
    await addReview(subgraph, customer());
    const res = await subgraph.call(USER_REVIEWS, { r: [{ __typename: 'User', id: author.id }, { __typename: 'User', id: randomUUID() }], first: 2 });
    const [mine, nobody] = res.body.data!._entities;
    expect(mine.reviews.totalCount).toBe(3);
    expect(mine.reviews.edges.map((e: any) => e.node.product.id)).toEqual([written[2], written[1]]);
    expect(mine.reviews.pageInfo.hasNextPage).toBe(true);
    expect(nobody.reviews).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const rest = await subgraph.call(USER_REVIEWS, { r: [{ __typename: 'User', id: author.id }], first: 2, after: mine.reviews.pageInfo.endCursor });
    expect(rest.body.data!._entities[0].reviews.edges.map((e: any) => e.node.product.id)).toEqual([written[0]]);
  });

  it('resolves rating for 30 products with ONE store query, and their first reviews with one more', async () => {
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await Promise.all(ids.slice(0, 10).map((productId, i) => addReview(subgraph, customer(), { productId, rating: (i % 5) + 1 })));
    const queries = () => subgraph.metric('store_queries_total');

    let before = await queries();
    const res = await subgraph.call(RATING, { r: products(...ids) });
    const afterRating = await queries();
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!._entities).toHaveLength(30);
    expect(res.body.data!._entities.slice(0, 10).map((e: any) => e.rating.count)).toEqual(Array(10).fill(1));
    expect(res.body.data!._entities[3].rating.average).toBe(4);
    expect(afterRating - before).toBe(1);

    before = await queries();
    const both = await subgraph.call(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { rating { count } reviews(first: 5) { totalCount edges { node { id author { id } } } } } } }`,
      { r: products(...ids) },
    );
    expect(both.body.errors).toBeUndefined();
    expect(both.body.data!._entities.map((e: any) => e.reviews.totalCount)).toEqual(ids.map((_, i) => (i < 10 ? 1 : 0)));
    expect((await queries()) - before).toBe(2);
  });

  it('refuses reviews of a product that products announced archived (NOT_FOUND)', async () => {
    const productId = randomUUID();
    await addReview(subgraph, customer(), { productId });
    await subgraph.produce(createEvent('ProductArchived', productId, { productId }, { source: 'products' }));
    await eventually(async () => ((await subgraph.collections.knownProducts.countDocuments({ _id: productId, active: false })) === 1 ? true : undefined));
    const refused = (await subgraph.call(ADD_REVIEW, { input: { productId, rating: 3, title: 'Late', body: 'Too late.' } }, customer())).body.data!.addReview;
    expect(refused).toEqual({ review: null, errors: [{ code: 'NOT_FOUND', message: expect.any(String), field: ['input', 'productId'] }] });
    // Existing reviews of it remain readable.
    expect((await subgraph.call(RATING, { r: products(productId) })).body.data!._entities[0].rating.count).toBe(1);
  });

  it('refuses reviews of products that never existed; accepts announced ones and ones the author bought', async () => {
    const author = customer();
    const review = (productId: string) => subgraph.call(ADD_REVIEW, { input: { productId, rating: 4, title: 'Hmm', body: 'Does it exist?' } }, author);
    const ghost = randomUUID();
    expect((await review(ghost)).body.data!.addReview).toEqual({ review: null, errors: [{ code: 'NOT_FOUND', message: 'No such product', field: ['input', 'productId'] }] });
    expect(await subgraph.collections.reviews.countDocuments({ productId: ghost })).toBe(0);
    expect(await subgraph.collections.ratingSummaries.countDocuments({ _id: ghost })).toBe(0);

    // Announced on products.v1: the replica learns it and the review goes through.
    const created = randomUUID();
    await subgraph.produce(createEvent('ProductCreated', created, { productId: created, sku: `SKU-${created.slice(0, 8)}`, slug: `announced-${created.slice(0, 8)}`, name: 'Announced', price: { amount: 1000, currency: 'USD' }, active: true, initialStock: 0 }, { source: 'products' }));
    await eventually(async () => ((await subgraph.collections.knownProducts.countDocuments({ _id: created, active: true })) === 1 ? true : undefined));
    expect((await review(created)).body.data!.addReview.errors).toEqual([]);

    // Bought but not yet in the replica: a purchase fact implies the product exists.
    const bought = randomUUID();
    await subgraph.produce(orderStatusChanged({ customerId: author.id, status: 'CONFIRMED', productIds: [bought] }));
    await eventually(async () => ((await subgraph.collections.purchaseFacts.countDocuments({ customerId: author.id, productId: bought })) === 1 ? true : undefined));
    expect(await subgraph.collections.knownProducts.countDocuments({ _id: bought })).toBe(0);
    const verified = (await review(bought)).body.data!.addReview;
    expect(verified.errors).toEqual([]);
    expect(verified.review).toMatchObject({ verifiedPurchase: true, product: { id: bought } });
  });

  it('refuses control characters in review text with INVALID_INPUT before storing anything; bodies keep line breaks', async () => {
    const author = customer();
    const productId = await subgraph.knownProduct();
    const attempt = (title: string, body: string) => subgraph.call(ADD_REVIEW, { input: { productId, rating: 4, title, body } }, author);
    for (const [title, body, field] of [
      ['Nul\u0000title', 'Fine.', 'title'],
      ['Two\nlines', 'Fine.', 'title'],
      ['Fine', 'Escape \u001b[31m red', 'body'],
      ['Fine', 'Nul \u0000 body', 'body'],
    ]) {
      const res = await attempt(title, body);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors).toEqual([expect.objectContaining({ extensions: { code: 'INVALID_INPUT', field: ['input', field] } })]);
      expect(res.text).not.toMatch(/stack|at \w+ \(/);
    }
    expect(await subgraph.collections.reviews.countDocuments({ authorId: author.id })).toBe(0);
    const ok = (await attempt('Two paragraphs', 'First line.\r\n\nSecond\tline.')).body.data!.addReview;
    expect(ok.errors).toEqual([]);
    expect(ok.review.body).toBe('First line.\r\n\nSecond\tline.');
  });

  it('seeds the demo reviews idempotently and rebuilds their rating summaries', async () => {
    const first = await seedReviews(subgraph.service.db);
    const again = await seedReviews(subgraph.service.db);
    expect(first).toEqual({ upserted: demoReviews.length, skipped: 0, products: new Set(demoReviews.map((r) => r.productId)).size });
    expect(again).toEqual(first);
    expect(await subgraph.collections.reviews.countDocuments({ _id: { $in: demoReviews.map((r) => r.id) } })).toBe(demoReviews.length);

    const productId = demoReviews[0].productId;
    const expected = demoReviews.filter((r) => r.productId === productId);
    const histogram = [1, 2, 3, 4, 5].map((star) => expected.filter((r) => r.rating === star).length);
    const average = Math.round((expected.reduce((a, r) => a + r.rating, 0) / expected.length) * 100) / 100;
    expect(await ratingOf(productId)).toEqual({ average, count: expected.length, histogram });
    const list = await subgraph.call(PRODUCT_REVIEWS, { r: products(productId) });
    expect(list.body.data!._entities[0].reviews.edges.map((e: any) => e.node.id)).toEqual(
      [...expected].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((r) => r.id),
    );
  });

  it('reports ready when MongoDB and Kafka answer, and refuses calls without a gateway token', async () => {
    const ready = await fetch(`${subgraph.origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: { mongodb: 'ok', kafka: 'ok', consumer: 'ok' } });
    const direct = await fetch(subgraph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(direct.status).toBe(401);
  });
});
