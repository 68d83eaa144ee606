import { MongoClient } from 'mongodb';
import { demoProducts } from '@shopgraph/demo-data';
import { contracts, parseEvent } from '@shopgraph/events';
import { stackEnv, uniqueId } from '@shopgraph/testkit';
import { productsCollection } from '../src/entities/product.document';
import { migrateProductVariants } from '../src/migrations/product-variants.migration';
import { seedProducts } from '../src/seed';
import { SKU_CLAIMS_COLLECTION } from '../src/stores/sku.store';
import {
  adminViewer,
  CREATE_PRODUCT,
  createCategory,
  createProduct,
  customerViewer,
  PRODUCTS,
  productInput,
  recordProductEvents,
  startProductsSubgraph,
  UPDATE_PRODUCT,
  type EventRecorder,
  type TestProductsSubgraph,
} from './fixtures/products-subgraph';

// Options and variants on the product document: creation with validation, the variant mutations,
// sku uniqueness across products and variants, price filters over variants, ProductVariant
// references, the events carrying variants, and the in-place migration of existing documents.

const VARIANT_FIELDS = 'id sku title options { name value } price { amount currency } active product { id }';
const PRODUCT_VARIANTS = `
  query P($id: ID!, $opts: [SelectedOptionInput!]!) {
    product(id: $id) {
      id sku price { amount } options { name values }
      variants { ${VARIANT_FIELDS} }
      all: variants(includeInactive: true) { id active }
      defaultVariant { id }
      priceRange { min { amount } max { amount } }
      variant(options: $opts) { id title }
    }
  }`;
const ADD = `mutation A($productId: ID!, $input: VariantInput!) { addProductVariant(productId: $productId, input: $input) { variant { ${VARIANT_FIELDS} } errors { code message field } } }`;
const UPDATE = `mutation U($id: ID!, $input: UpdateVariantInput!) { updateProductVariant(id: $id, input: $input) { variant { ${VARIANT_FIELDS} } errors { code message field } } }`;
const ARCHIVE = `mutation R($id: ID!) { archiveProductVariant(id: $id) { variant { id active } errors { code message field } } }`;
const ENTITIES = `query E($reps: [_Any!]!) { _entities(representations: $reps) { ... on ProductVariant { id sku title price { amount } product { id name } } } }`;
const UPDATE_CATEGORY = `mutation C($id: ID!, $name: String, $slug: String) { updateCategory(id: $id, name: $name, slug: $slug) { category { id name slug } errors { code field } } }`;

const tee = (base: string) => ({
  options: [
    { name: 'Size', values: ['S', 'M'] },
    { name: 'Colour', values: ['Black', 'White'] },
  ],
  variants: [
    {
      sku: `${base}-S-BLK`,
      options: [
        { name: 'Size', value: 'S' },
        { name: 'Colour', value: 'Black' },
      ],
      initialStock: 5,
    },
    {
      sku: `${base}-M-BLK`,
      options: [
        { name: 'Size', value: 'M' },
        { name: 'Colour', value: 'Black' },
      ],
      price: 2800,
      initialStock: 2,
    },
  ],
});

describe('products subgraph: options and variants', () => {
  let sg: TestProductsSubgraph;
  let recorder: EventRecorder;
  let category: { id: string; slug: string };

  beforeAll(async () => {
    [sg, recorder] = await Promise.all([startProductsSubgraph(), recordProductEvents()]);
    category = await createCategory(sg, 'Apparel');
  }, 90000);
  afterAll(async () => {
    await recorder?.stop();
    await sg?.stop();
  });

  it('creates a product with options and variants, reads them, and announces every variant with its initial stock', async () => {
    const base = uniqueId('TEE').toUpperCase().replace(/_/g, '-');
    const product = await createProduct(sg, category.slug, { sku: base, name: 'Tee', price: 2500, ...tee(base) });
    const res = await sg.call(PRODUCT_VARIANTS, {
      id: product.id,
      opts: [
        { name: 'colour', value: 'black' },
        { name: 'size', value: 'm' },
      ],
    });
    const p = res.body.data!.product;
    expect(p.options).toEqual([
      { name: 'Size', values: ['S', 'M'] },
      { name: 'Colour', values: ['Black', 'White'] },
    ]);
    expect(p.variants.map((v: any) => [v.sku, v.title, v.price.amount, v.active, v.product.id])).toEqual([
      [`${base}-S-BLK`, 'S / Black', 2500, true, product.id],
      [`${base}-M-BLK`, 'M / Black', 2800, true, product.id],
    ]);
    expect(p.variants.every((v: any) => v.id.startsWith(`${product.id}:`))).toBe(true);
    expect(p.defaultVariant.id).toBe(p.variants[0].id);
    expect(p.price.amount).toBe(2500);
    expect(p.priceRange).toEqual({ min: { amount: 2500 }, max: { amount: 2800 } });
    expect(p.variant).toEqual({ id: p.variants[1].id, title: 'M / Black' });

    const [created] = await recorder.waitFor(product.id, 1);
    expect(contracts.ProductCreated.payload.safeParse(created.payload).success).toBe(true);
    expect((created.payload as any).variants.map((v: any) => [v.variantId, v.sku, v.title, v.price.amount, v.initialStock])).toEqual([
      [p.variants[0].id, `${base}-S-BLK`, 'S / Black', 2500, 5],
      [p.variants[1].id, `${base}-M-BLK`, 'M / Black', 2800, 2],
    ]);
  });

  it('refuses options and variants that disagree, as INVALID_INPUT with the field', async () => {
    const base = uniqueId('BAD').toUpperCase().replace(/_/g, '-');
    const { variants, options } = tee(base);
    const cases: [Record<string, unknown>, string[]][] = [
      [{ options, variants: [variants[0], { ...variants[1], options: variants[0].options }] }, ['input', 'variants', '1', 'options']],
      [
        {
          options,
          variants: [
            {
              ...variants[0],
              options: [
                { name: 'Size', value: 'XL' },
                { name: 'Colour', value: 'Black' },
              ],
            },
          ],
        },
        ['input', 'variants', '0', 'options'],
      ],
      [{ options, variants: [] }, ['input', 'variants']],
      [{ variants }, ['input', 'variants']],
      [{ options: [{ name: 'Size', values: ['S', 's'] }], variants }, ['input', 'options', '0', 'values', '1']],
    ];
    for (const [overrides, field] of cases) {
      const res = await sg.call(
        CREATE_PRODUCT,
        { input: productInput(category.slug, { sku: `${base}-${field.length}`, ...overrides }) },
        adminViewer(),
      );
      expect(res.body.data!.createProduct.product).toBeNull();
      expect(res.body.data!.createProduct.errors).toContainEqual(expect.objectContaining({ code: 'INVALID_INPUT', field }));
    }
  });

  it('keeps skus unique across products and variants', async () => {
    const base = uniqueId('UNQ').toUpperCase().replace(/_/g, '-');
    const first = await createProduct(sg, category.slug, { sku: base, ...tee(base) });
    // Another product may not take a variant's sku, nor use it for one of its variants.
    const plain = await sg.call(CREATE_PRODUCT, { input: productInput(category.slug, { sku: `${base}-S-BLK` }) }, adminViewer());
    expect(plain.body.data!.createProduct.errors).toEqual([expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'sku'] })]);
    const other = uniqueId('OTH').toUpperCase().replace(/_/g, '-');
    const clash = await sg.call(
      CREATE_PRODUCT,
      {
        input: productInput(category.slug, { sku: other, ...tee(other), variants: [{ ...tee(other).variants[0], sku: `${base}-M-BLK` }] }),
      },
      adminViewer(),
    );
    expect(clash.body.data!.createProduct.errors).toEqual([
      expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'variants', '0', 'sku'] }),
    ]);
    // The refused product claimed nothing: its own sku is still free.
    expect(
      (await sg.call(CREATE_PRODUCT, { input: productInput(category.slug, { sku: other }) }, adminViewer())).body.data!.createProduct
        .errors,
    ).toEqual([]);
    // Nor may a variant be added with a sku another product holds.
    const added = await sg.call(
      ADD,
      {
        productId: first.id,
        input: {
          sku: other,
          options: [
            { name: 'Size', value: 'S' },
            { name: 'Colour', value: 'White' },
          ],
        },
      },
      adminViewer(),
    );
    expect(added.body.data!.addProductVariant.errors).toEqual([
      expect.objectContaining({ code: 'ALREADY_EXISTS', field: ['input', 'sku'] }),
    ]);
  });

  it('adds, updates and archives variants with validation; a product keeps one active variant; each change is a ProductUpdated with every variant', async () => {
    const base = uniqueId('MUT').toUpperCase().replace(/_/g, '-');
    const product = await createProduct(sg, category.slug, { sku: base, price: 2500, ...tee(base) });
    const white = [
      { name: 'Size', value: 'S' },
      { name: 'Colour', value: 'White' },
    ];
    const customer = await sg.call(ADD, { productId: product.id, input: { sku: `${base}-W`, options: white } }, customerViewer());
    expect(customer.body.errors?.[0].extensions).toEqual({ code: 'FORBIDDEN' });
    const duplicate = await sg.call(
      ADD,
      { productId: product.id, input: { sku: `${base}-DUP`, options: tee(base).variants[0].options } },
      adminViewer(),
    );
    expect(duplicate.body.data!.addProductVariant.errors).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'options'] }),
    ]);
    const partial = await sg.call(
      ADD,
      { productId: product.id, input: { sku: `${base}-P`, options: [{ name: 'Size', value: 'S' }] } },
      adminViewer(),
    );
    expect(partial.body.data!.addProductVariant.errors[0]).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'choose a value of option Colour',
    });

    const added = (
      await sg.call(
        ADD,
        { productId: product.id, input: { sku: `${base}-s-wht`, options: white, price: 3100, initialStock: 7 } },
        adminViewer(),
      )
    ).body.data!.addProductVariant;
    expect(added.errors).toEqual([]);
    expect(added.variant).toMatchObject({ sku: `${base}-S-WHT`, title: 'S / White', price: { amount: 3100 }, active: true });
    const updated = (await sg.call(UPDATE, { id: added.variant.id, input: { price: 3300, sku: `${base}-SW` } }, adminViewer())).body.data!
      .updateProductVariant;
    expect(updated).toMatchObject({ variant: { sku: `${base}-SW`, price: { amount: 3300 } }, errors: [] });
    // The old sku was given back: another product may now use it.
    await createProduct(sg, category.slug, { sku: `${base}-S-WHT` });
    expect(
      (await sg.call(UPDATE, { id: added.variant.id, input: { price: 0 } }, adminViewer())).body.data!.updateProductVariant.errors[0],
    ).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'price'] });
    expect(
      (await sg.call(UPDATE, { id: `${product.id}:nope`, input: { price: 100 } }, adminViewer())).body.data!.updateProductVariant.errors[0],
    ).toMatchObject({ code: 'NOT_FOUND' });

    const read = async () => (await sg.call(PRODUCT_VARIANTS, { id: product.id, opts: white })).body.data!.product;
    const before = await read();
    for (const v of before.variants.slice(0, 2))
      expect((await sg.call(ARCHIVE, { id: v.id }, adminViewer())).body.data!.archiveProductVariant).toMatchObject({
        variant: { active: false },
        errors: [],
      });
    const last = await sg.call(ARCHIVE, { id: added.variant.id }, adminViewer());
    expect(last.body.data!.archiveProductVariant.errors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['id'] })]);
    const after = await read();
    expect(after.variants.map((v: any) => v.id)).toEqual([added.variant.id]);
    expect(after.all.map((v: any) => v.active)).toEqual([false, false, true]);
    // The default variant (and Product.price) is now the only active one.
    expect(after.defaultVariant.id).toBe(added.variant.id);
    expect(after.price.amount).toBe(3300);
    expect(after.priceRange).toEqual({ min: { amount: 3300 }, max: { amount: 3300 } });

    const events = await recorder.waitFor(product.id, 5);
    expect(events.map((e) => e.type)).toEqual(['ProductCreated', 'ProductUpdated', 'ProductUpdated', 'ProductUpdated', 'ProductUpdated']);
    for (const e of events) expect(parseEvent(JSON.stringify(e))).toEqual(e);
    const addedEvent = events[1].payload as any;
    expect(addedEvent.variants.find((v: any) => v.variantId === added.variant.id)).toMatchObject({
      sku: `${base}-S-WHT`,
      initialStock: 7,
      active: true,
    });
    expect((events[4].payload as any).variants.map((v: any) => v.active)).toEqual([false, false, true]);
  });

  it("matches price filters against any active variant, and resolves ProductVariant references (default variant = the product's id)", async () => {
    const base = uniqueId('FLT').toUpperCase().replace(/_/g, '-');
    const tag = uniqueId('tag').toLowerCase().replace(/_/g, '-');
    const product = await createProduct(sg, category.slug, { sku: base, tags: [tag], price: 2500, ...tee(base) });
    const plain = await createProduct(sg, category.slug, { tags: [tag], price: 900 });
    const ids = async (filter: Record<string, unknown>) =>
      (await sg.call(PRODUCTS, { filter: { tags: [tag], ...filter }, sort: 'PRICE_ASC' })).body.data!.products.edges.map(
        (e: any) => e.node.id,
      );
    expect(await ids({ minPrice: 2700, maxPrice: 2900 })).toEqual([product.id]);
    expect(await ids({ maxPrice: 1000 })).toEqual([plain.id]);
    expect(await ids({ minPrice: 2600, maxPrice: 2700 })).toEqual([]);

    const variants = (await sg.call(PRODUCT_VARIANTS, { id: product.id, opts: [] })).body.data!.product.variants;
    const res = await sg.call(ENTITIES, {
      reps: [
        { __typename: 'ProductVariant', id: variants[1].id },
        { __typename: 'ProductVariant', id: plain.id },
        { __typename: 'ProductVariant', id: `${plain.id}:x` },
      ],
    });
    expect(res.body.data!._entities).toEqual([
      {
        id: variants[1].id,
        sku: `${base}-M-BLK`,
        title: 'M / Black',
        price: { amount: 2800 },
        product: { id: product.id, name: 'Test Product' },
      },
      { id: plain.id, sku: plain.sku, title: 'Test Product', price: { amount: 900 }, product: { id: plain.id, name: 'Test Product' } },
      null,
    ]);
    // updateProduct's price is the default variant's.
    await sg.call(UPDATE_PRODUCT, { id: plain.id, input: { price: 950 } }, adminViewer());
    expect((await sg.call(ENTITIES, { reps: [{ __typename: 'ProductVariant', id: plain.id }] })).body.data!._entities[0].price).toEqual({
      amount: 950,
    });
  });

  it('updates a category (name, slug) with validation; a taken slug is ALREADY_EXISTS', async () => {
    const a = await createCategory(sg, 'A');
    const b = await createCategory(sg, 'B');
    const slug = uniqueId('renamed').toLowerCase().replace(/_/g, '-');
    expect((await sg.call(UPDATE_CATEGORY, { id: a.id, name: ' Renamed ', slug }, adminViewer())).body.data!.updateCategory).toEqual({
      category: { id: a.id, name: 'Renamed', slug },
      errors: [],
    });
    const taken = await sg.call(UPDATE_CATEGORY, { id: b.id, slug }, adminViewer());
    expect(taken.body.errors).toBeUndefined();
    expect(taken.body.data!.updateCategory).toEqual({ category: null, errors: [{ code: 'ALREADY_EXISTS', field: ['slug'] }] });
    expect((await sg.call(UPDATE_CATEGORY, { id: b.id, slug: 'Not A Slug!' }, adminViewer())).body.data!.updateCategory.errors).toEqual([
      { code: 'INVALID_INPUT', field: ['slug'] },
    ]);
    expect((await sg.call(UPDATE_CATEGORY, { id: 'nope', name: 'X' }, adminViewer())).body.data!.updateCategory.errors).toEqual([
      { code: 'NOT_FOUND', field: ['id'] },
    ]);
    expect((await sg.call(UPDATE_CATEGORY, { id: b.id, name: 'X' }, customerViewer())).body.errors?.[0].extensions).toEqual({
      code: 'FORBIDDEN',
    });
  });
});

describe('products: in-place migration of documents stored before variants', () => {
  let client: MongoClient;
  const dbName = uniqueId('products_migrate');

  beforeAll(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
  });
  afterAll(async () => {
    await client?.db(dbName).dropDatabase();
    await client?.close();
  });

  it('gives every demo product its default variant (id, sku, price of the product) once; a rerun changes nothing', async () => {
    const db = client.db(dbName);
    await seedProducts(db);
    // Turn the plain demo products back into documents as they were stored before variants.
    const plain = demoProducts.filter((p) => !p.variants);
    await productsCollection(db).updateMany(
      { _id: { $in: plain.map((p) => p.id) } },
      { $unset: { options: '', variants: '', variantPrices: '' } },
    );
    await db.collection(SKU_CLAIMS_COLLECTION).deleteMany({ productId: { $in: plain.map((p) => p.id) } });
    const archived = plain[3];
    await productsCollection(db).updateOne({ _id: archived.id }, { $set: { active: false } });

    expect(await migrateProductVariants(db)).toBe(plain.length);
    const docs = new Map((await productsCollection(db).find({}).toArray()).map((d) => [d._id, d]));
    for (const p of plain) {
      const doc = docs.get(p.id)!;
      expect(doc.options).toEqual([]);
      expect(doc.variants).toEqual([{ id: p.id, sku: p.sku, options: [], price: p.price, active: true }]);
      expect(doc.variantPrices).toEqual([p.price]);
      expect(doc.active).toBe(p.id !== archived.id);
    }
    // Products that had variants were left alone.
    const shirt = demoProducts.find((p) => p.name === 'Organic Cotton T-Shirt')!;
    expect(docs.get(shirt.id)!.variants.map((v) => v.id)).toEqual(shirt.variants!.map((v) => v.id));
    // Their skus are registered again, so a new product cannot take one.
    expect(await db.collection(SKU_CLAIMS_COLLECTION).countDocuments({ productId: { $in: plain.map((p) => p.id) } })).toBe(plain.length);

    expect(await migrateProductVariants(db)).toBe(0);
    expect((await productsCollection(db).findOne({ _id: plain[0].id }))!.variants).toHaveLength(1);
  });
});
