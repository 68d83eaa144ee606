import { contracts, parseEvent } from '@shopgraph/events';
import { eventually } from '@shopgraph/testkit';
import {
  adminViewer,
  ARCHIVE_PRODUCT,
  createCategory,
  createProduct,
  recordProductEvents,
  startProductsSubgraph,
  UPDATE_PRODUCT,
  type EventRecorder,
  type TestProductsSubgraph,
} from './fixtures/products-subgraph';
import { announceCategorySlugs } from '../src/migrations/category-slugs.migration';

// products.v1 snapshots carry the product's category slugs (orders prices category-limited
// promotions with them), and a category's new slug is republished on each of its active products.

const UPDATE_CATEGORY = `mutation C($id: ID!, $name: String, $slug: String) { updateCategory(id: $id, name: $name, slug: $slug) { category { id slug } errors { code field } } }`;
const ADD_VARIANT = `mutation A($productId: ID!, $input: VariantInput!) { addProductVariant(productId: $productId, input: $input) { variant { id } errors { code message field } } }`;
const slugsOf = (e: { payload: unknown }) => (e.payload as { categorySlugs?: string[] }).categorySlugs;

describe('products subgraph: category slugs in products.v1', () => {
  let sg: TestProductsSubgraph;
  let recorder: EventRecorder;

  beforeAll(async () => {
    [sg, recorder] = await Promise.all([startProductsSubgraph(), recordProductEvents()]);
  }, 90000);
  afterAll(async () => {
    await recorder?.stop();
    await sg?.stop();
  });

  it('ProductCreated and ProductUpdated carry the category slugs (the new category after a move), valid against the contract', async () => {
    const shoes = await createCategory(sg, 'Shoes');
    const hats = await createCategory(sg, 'Hats');
    const product = await createProduct(sg, shoes.slug, { name: 'Runner' });
    const [created] = await recorder.waitFor(product.id, 1);
    expect(created.type).toBe('ProductCreated');
    expect(slugsOf(created)).toEqual([shoes.slug]);

    expect((await sg.call(UPDATE_PRODUCT, { id: product.id, input: { price: 1234 } }, adminViewer())).body.data!.updateProduct.errors).toEqual([]);
    expect((await sg.call(UPDATE_PRODUCT, { id: product.id, input: { categorySlug: hats.slug } }, adminViewer())).body.data!.updateProduct.errors).toEqual([]);
    const events = await recorder.waitFor(product.id, 3);
    expect(events.map((e) => [e.type, slugsOf(e)])).toEqual([
      ['ProductCreated', [shoes.slug]],
      ['ProductUpdated', [shoes.slug]],
      ['ProductUpdated', [hats.slug]],
    ]);
    for (const e of events) {
      expect(parseEvent(JSON.stringify(e))).toEqual(e);
      expect(contracts[e.type as 'ProductUpdated'].payload.safeParse(e.payload).success).toBe(true);
    }
  });

  it('a variant change carries the slugs too', async () => {
    const category = await createCategory(sg, 'Tees');
    const product = await createProduct(sg, category.slug, {
      name: 'Tee',
      options: [{ name: 'Size', values: ['S', 'M'] }],
      variants: [{ sku: `TEE-S-${Date.now()}`, options: [{ name: 'Size', value: 'S' }], price: 1500 }],
    });
    await recorder.waitFor(product.id, 1);
    const added = await sg.call(ADD_VARIANT, { productId: product.id, input: { sku: `TEE-M-${Date.now()}`, options: [{ name: 'Size', value: 'M' }], price: 1600 } }, adminViewer());
    expect(added.body.data!.addProductVariant.errors).toEqual([]);
    const events = await recorder.waitFor(product.id, 2);
    expect(events.map((e) => [e.type, slugsOf(e)])).toEqual([
      ['ProductCreated', [category.slug]],
      ['ProductUpdated', [category.slug]],
    ]);
  });

  it("a category's new slug is republished on each of its active products (not archived ones) and the marker is cleared", async () => {
    const category = await createCategory(sg, 'Boots');
    const a = await createProduct(sg, category.slug, { name: 'Boot A' });
    const b = await createProduct(sg, category.slug, { name: 'Boot B' });
    const gone = await createProduct(sg, category.slug, { name: 'Boot Gone' });
    expect((await sg.call(ARCHIVE_PRODUCT, { id: gone.id }, adminViewer())).body.data!.archiveProduct.errors).toEqual([]);
    await Promise.all([recorder.waitFor(a.id, 1), recorder.waitFor(b.id, 1), recorder.waitFor(gone.id, 2)]);

    const renamed = `${category.slug}-v2`;
    const res = await sg.call(UPDATE_CATEGORY, { id: category.id, slug: renamed }, adminViewer());
    expect(res.body.data!.updateCategory).toEqual({ category: { id: category.id, slug: renamed }, errors: [] });
    for (const p of [a, b]) {
      const events = await recorder.waitFor(p.id, 2);
      expect(events[1]).toMatchObject({ type: 'ProductUpdated', payload: { productId: p.id, name: p.name, slug: p.slug, active: true, categorySlugs: [renamed] } });
    }
    await eventually(async () => ((await sg.service.db.collection('categories').findOne({ _id: category.id as never }))?.republishPending === undefined ? true : undefined));
    // A rename without a new slug, or the same slug again, republishes nothing.
    expect((await sg.call(UPDATE_CATEGORY, { id: category.id, name: 'Boots!', slug: renamed }, adminViewer())).body.data!.updateCategory.errors).toEqual([]);
    await new Promise((r) => setTimeout(r, 800));
    expect(recorder.of(a.id)).toHaveLength(2);
    expect(recorder.of(b.id)).toHaveLength(2);
    expect(recorder.of(gone.id)).toHaveLength(2);
  });

  it('finishes a republish a crash interrupted (the marker left on the category) when its task runs', async () => {
    const category = await createCategory(sg, 'Sandals');
    const product = await createProduct(sg, category.slug, { name: 'Sandal' });
    await recorder.waitFor(product.id, 1);
    // As if the process died right after the category write: new slug and marker, nothing republished.
    const renamed = `${category.slug}-after-crash`;
    await sg.service.db.collection('categories').updateOne({ _id: category.id as never }, { $set: { slug: renamed, republishPending: new Date() } });
    await sg.service.republisher.drain();
    const events = await recorder.waitFor(product.id, 2);
    expect(events[1]).toMatchObject({ type: 'ProductUpdated', payload: { categorySlugs: [renamed] } });
    expect((await sg.service.db.collection('categories').findOne({ _id: category.id as never }))!.republishPending).toBeUndefined();
  });
  it('announces, once, the slugs of categories from before events carried them (a republish of their products at start)', async () => {
    const category = await createCategory(sg, 'Clogs');
    const product = await createProduct(sg, category.slug, { name: 'Clog' });
    await recorder.waitFor(product.id, 1);
    const categories = sg.service.db.collection('categories');
    expect((await categories.findOne({ _id: category.id as never }))!.slugsAnnounced).toBe(true);
    // As stored before: no flag.
    await categories.updateOne({ _id: category.id as never }, { $unset: { slugsAnnounced: '' } });
    expect(await announceCategorySlugs(sg.service.db)).toBeGreaterThanOrEqual(1);
    expect(await announceCategorySlugs(sg.service.db)).toBe(0);
    await sg.service.republisher.drain();
    const events = await recorder.waitFor(product.id, 2);
    expect(events[1]).toMatchObject({ type: 'ProductUpdated', payload: { productId: product.id, categorySlugs: [category.slug] } });
    expect(await categories.findOne({ _id: category.id as never })).toMatchObject({ slugsAnnounced: true });
    expect((await categories.findOne({ _id: category.id as never }))!.republishPending).toBeUndefined();
  });
});
