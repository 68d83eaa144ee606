import { parseEvent, contracts } from '@shopgraph/events';
import { eventually, uniqueId } from '@shopgraph/testkit';
import {
  adminViewer,
  ARCHIVE_PRODUCT,
  CREATE_CATEGORY,
  CREATE_PRODUCT,
  createCategory,
  createProduct,
  customerViewer,
  productInput,
  recordProductEvents,
  startProductsSubgraph,
  UPDATE_PRODUCT,
  type EventRecorder,
  type TestProductsSubgraph,
} from './fixtures/products-subgraph';

// ADMIN mutations: who may call them, validation as payload errors, uniqueness under concurrency,
// and the events they publish through the outbox to products.v1.

describe('products subgraph: mutations and events', () => {
  let sg: TestProductsSubgraph;
  let recorder: EventRecorder;
  let category: { id: string; slug: string };

  beforeAll(async () => {
    [sg, recorder] = await Promise.all([startProductsSubgraph(), recordProductEvents()]);
    category = await createCategory(sg, 'Audio');
  }, 90000);
  afterAll(async () => {
    await recorder?.stop();
    await sg?.stop();
  });

  it('lets only ADMINs call every mutation: CUSTOMER gets FORBIDDEN, anonymous UNAUTHENTICATED, and nothing changes', async () => {
    const product = await createProduct(sg, category.slug);
    const sku = uniqueId('AUTH').toUpperCase();
    const calls: [string, Record<string, unknown>][] = [
      [CREATE_CATEGORY, { name: 'Sneaky', slug: uniqueId('sneaky').replace(/_/g, '-') }],
      [CREATE_PRODUCT, { input: productInput(category.slug, { sku }) }],
      [UPDATE_PRODUCT, { id: product.id, input: { name: 'Hacked' } }],
      [ARCHIVE_PRODUCT, { id: product.id }],
    ];
    for (const [mutation, variables] of calls) {
      const asCustomer = await sg.call(mutation, variables, customerViewer());
      expect(asCustomer.body.data).toBeNull();
      expect(asCustomer.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
      const anonymous = await sg.call(mutation, variables, null);
      expect(anonymous.body.data).toBeNull();
      expect(anonymous.body.errors?.[0].extensions).toEqual({ code: 'UNAUTHENTICATED' });
    }
    const after = await sg.call(`query($id: ID) { product(id: $id) { name active } }`, { id: product.id });
    expect(after.body.data!.product).toEqual({ name: product.name, active: true });
    const bySku = await sg.call(`{ products(filter: { search: "${sku}" }) { totalCount } }`);
    expect(bySku.body.data!.products.totalCount).toBe(0);

    // The same calls as ADMIN succeed.
    for (const [mutation, variables] of calls) {
      const res = await sg.call(mutation, variables, adminViewer());
      expect(res.body.errors).toBeUndefined();
      expect(Object.values(res.body.data!)[0]).toMatchObject({ errors: [] });
    }
  });

  it('creates a product with a slug derived from the name, unique by suffix, and normalized fields', async () => {
    const name = `Studio Monitor ${uniqueId('m')}`;
    const first = await createProduct(sg, category.slug, { name, sku: ` ${uniqueId('mon')} `, tags: ['Studio', 'studio', 'PRO'], currency: 'eur', brand: '  ' });
    const second = await createProduct(sg, category.slug, { name });
    const third = await createProduct(sg, category.slug, { name: name.toUpperCase() });
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    expect([first.slug, second.slug, third.slug]).toEqual([base, `${base}-2`, `${base}-3`]);
    expect(first).toMatchObject({ tags: ['studio', 'pro'], brand: null, active: true, price: { amount: 1000, currency: 'EUR', formatted: '€10.00' }, category: { id: category.id } });
    expect(first.sku).toMatch(/^MON_[A-Z0-9_]+$/);
  });

  it('returns validation errors as payload data with codes and field paths', async () => {
    const create = async (overrides: Record<string, unknown>) => {
      const res = await sg.call(CREATE_PRODUCT, { input: productInput(category.slug, overrides) }, adminViewer());
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data!.createProduct.product).toBeNull();
      return res.body.data!.createProduct.errors.map((e: { code: string; field: string[] }) => [e.code, e.field]);
    };
    expect(await create({ name: '', price: 0, currency: 'XX1', initialStock: -3 })).toEqual([
      ['INVALID_INPUT', ['input', 'name']],
      ['INVALID_INPUT', ['input', 'price']],
      ['INVALID_INPUT', ['input', 'currency']],
      ['INVALID_INPUT', ['input', 'initialStock']],
    ]);
    expect(await create({ description: 'd'.repeat(5001) })).toEqual([['INVALID_INPUT', ['input', 'description']]]);
    expect(await create({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual([['INVALID_INPUT', ['input', 'tags']]]);
    expect(await create({ images: ['https://ok.example/a.png', 'file:///etc/passwd'] })).toEqual([['INVALID_INPUT', ['input', 'images', '1']]]);
    expect(await create({ categorySlug: 'no-such-category' })).toEqual([['NOT_FOUND', ['input', 'categorySlug']]]);
    const existing = await createProduct(sg, category.slug);
    expect(await create({ sku: existing.sku.toLowerCase() })).toEqual([['ALREADY_EXISTS', ['input', 'sku']]]);

    const update = async (id: string, input: Record<string, unknown>) =>
      (await sg.call(UPDATE_PRODUCT, { id, input }, adminViewer())).body.data!.updateProduct.errors.map((e: { code: string; field: string[] }) => [e.code, e.field]);
    expect(await update(existing.id, { name: 'x'.repeat(201), price: -1 })).toEqual([
      ['INVALID_INPUT', ['input', 'name']],
      ['INVALID_INPUT', ['input', 'price']],
    ]);
    expect(await update(existing.id, { categorySlug: 'nowhere' })).toEqual([['NOT_FOUND', ['input', 'categorySlug']]]);
    expect(await update('00000000-0000-4000-8000-000000000000', { name: 'Ghost' })).toEqual([['NOT_FOUND', ['id']]]);
    const archive = await sg.call(ARCHIVE_PRODUCT, { id: 'not-a-uuid' }, adminViewer());
    expect(archive.body.data!.archiveProduct.errors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['id'] })]);

    const category2 = await sg.call(CREATE_CATEGORY, { name: 'Dup', slug: category.slug }, adminViewer());
    expect(category2.body.data!.createCategory).toEqual({ category: null, errors: [expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['slug'] })] });
    const badSlug = await sg.call(CREATE_CATEGORY, { name: '', slug: 'Not A Slug' }, adminViewer());
    expect(badSlug.body.data!.createCategory.errors.map((e: { field: string[] }) => e.field)).toEqual([['name'], ['slug']]);
  });

  it('lets exactly one of 10 concurrent creates with the same sku succeed; the rest get ALREADY_EXISTS', async () => {
    const sku = uniqueId('RACE').toUpperCase();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sg.call(CREATE_PRODUCT, { input: productInput(category.slug, { sku, name: i % 2 ? 'Race Lamp' : `Race Lamp ${i}` }) }, adminViewer())),
    );
    const payloads = results.map((r) => {
      expect(r.body.errors).toBeUndefined();
      return r.body.data!.createProduct;
    });
    expect(payloads.filter((p) => p.product !== null)).toHaveLength(1);
    const losers = payloads.filter((p) => p.product === null);
    expect(losers).toHaveLength(9);
    for (const loser of losers) expect(loser.errors).toEqual([expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'sku'] })]);
    const stored = await sg.service.db.collection('products').countDocuments({ sku });
    expect(stored).toBe(1);
  });

  it('publishes ProductCreated (with initialStock), ProductUpdated and ProductArchived to products.v1, valid against the contract', async () => {
    const product = await createProduct(sg, category.slug, { name: 'Event Speaker', price: 4999, currency: 'USD', initialStock: 42 });
    const [created] = await recorder.waitFor(product.id, 1);
    expect(created).toMatchObject({
      type: 'ProductCreated',
      version: 1,
      source: 'products',
      aggregateId: product.id,
      payload: { productId: product.id, sku: product.sku, slug: product.slug, name: 'Event Speaker', price: { amount: 4999, currency: 'USD' }, active: true, initialStock: 42 },
    });
    // Re-validate the received message against the shared contract, as any consumer would.
    expect(parseEvent(JSON.stringify(created))).toEqual(created);
    expect(contracts.ProductCreated.payload.safeParse(created.payload).success).toBe(true);

    const updated = await sg.call(UPDATE_PRODUCT, { id: product.id, input: { name: 'Event Speaker II', price: 5999 } }, adminViewer());
    expect(updated.body.data!.updateProduct.errors).toEqual([]);
    const archived = await sg.call(ARCHIVE_PRODUCT, { id: product.id }, adminViewer());
    expect(archived.body.data!.archiveProduct.product).toMatchObject({ id: product.id, active: false });
    // Archiving again changes nothing and publishes nothing.
    expect((await sg.call(ARCHIVE_PRODUCT, { id: product.id }, adminViewer())).body.data!.archiveProduct).toMatchObject({ product: { active: false }, errors: [] });

    const events = await recorder.waitFor(product.id, 3);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated', 'ProductUpdated', 'ProductArchived']);
    // A product without options carries its one default variant: id, sku and price of the product.
    const defaultVariant = {
      variantId: product.id,
      sku: product.sku,
      title: 'Event Speaker II',
      options: [],
      price: { amount: 5999, currency: 'USD' },
      active: true,
    };
    expect(events[1].payload).toEqual({
      productId: product.id,
      sku: product.sku,
      slug: product.slug,
      name: 'Event Speaker II',
      price: { amount: 5999, currency: 'USD' },
      active: true,
      variants: [defaultVariant],
      categorySlugs: [category.slug],
    });
    expect((events[0].payload as { variants: unknown[] }).variants).toEqual([
      { ...defaultVariant, title: 'Event Speaker', price: { amount: 4999, currency: 'USD' }, initialStock: 42 },
    ]);
    expect(events[2].payload).toEqual({ productId: product.id });
    for (const e of events) expect(parseEvent(JSON.stringify(e))).toEqual(e);

    // The relay clears the outbox right after publishing.
    await eventually(async () => {
      const doc = await sg.service.db.collection('products').findOne({ _id: product.id as never });
      return doc?._outboxPending === false && doc._outbox.length === 0 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(recorder.of(product.id)).toHaveLength(3);
  });

  it('loses no update and no event when one product is updated concurrently', async () => {
    const product = await createProduct(sg, category.slug, { name: 'Busy Product', price: 100 });
    const prices = Array.from({ length: 10 }, (_, i) => 200 + i);
    const results = await Promise.all(prices.map((price) => sg.call(UPDATE_PRODUCT, { id: product.id, input: { price } }, adminViewer())));
    for (const r of results) expect(r.body.data!.updateProduct.errors).toEqual([]);
    const events = await recorder.waitFor(product.id, 11);
    const updates = events.filter((e) => e.type === 'ProductUpdated').map((e) => (e.payload as { price: { amount: number } }).price.amount);
    expect([...updates].sort()).toEqual(prices);
    const final = await sg.call(`query($id: ID) { product(id: $id) { price { amount } } }`, { id: product.id });
    expect(final.body.data!.product.price.amount).toBe(updates[updates.length - 1]);
    const doc = await sg.service.db.collection('products').findOne({ _id: product.id as never });
    expect(doc!.version).toBe(11);
  });

  it('publishes ProductCreated with initialStock 0 when none is given, and no event for an update that changes nothing', async () => {
    const product = await createProduct(sg, category.slug, { name: 'Quiet One' });
    const [created] = await recorder.waitFor(product.id, 1);
    expect(created.payload).toMatchObject({ initialStock: 0 });
    const same = await sg.call(UPDATE_PRODUCT, { id: product.id, input: { name: 'Quiet One', price: 1000 } }, adminViewer());
    expect(same.body.data!.updateProduct).toMatchObject({ product: { name: 'Quiet One', updatedAt: product.updatedAt }, errors: [] });
    const moved = await createCategory(sg, 'Elsewhere');
    const res = await sg.call(UPDATE_PRODUCT, { id: product.id, input: { categorySlug: moved.slug, brand: 'Hush', tags: ['Calm'] } }, adminViewer());
    expect(res.body.data!.updateProduct.product).toMatchObject({ brand: 'Hush', tags: ['calm'], category: { id: moved.id } });
    const cleared = await sg.call(UPDATE_PRODUCT, { id: product.id, input: { brand: '' } }, adminViewer());
    expect(cleared.body.data!.updateProduct.product.brand).toBeNull();
    const events = await recorder.waitFor(product.id, 3);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated', 'ProductUpdated', 'ProductUpdated']);
  });
});
