import { MongoClient } from 'mongodb';
import { demoCategories, demoProducts } from '@shopgraph/demo-data';
import { parseEvent } from '@shopgraph/events';
import { stackEnv, uniqueId } from '@shopgraph/testkit';
import { productsCollection } from '../src/entities/product.document';
import { seedProducts } from '../src/seed';

describe('products seed', () => {
  let client: MongoClient;
  const dbName = uniqueId('products_seed');

  beforeAll(async () => {
    client = await MongoClient.connect(stackEnv.mongoUrl);
  });
  afterAll(async () => {
    await client?.db(dbName).dropDatabase();
    await client?.close();
  });

  it('loads the demo catalog once, each new product with a ProductCreated (initialStock) in its outbox; a rerun changes nothing', async () => {
    const db = client.db(dbName);
    const first = await seedProducts(db);
    expect(first.categoriesCreated).toHaveLength(demoCategories.length);
    expect(first.productsCreated).toHaveLength(demoProducts.length);
    expect(demoProducts.length).toBeGreaterThanOrEqual(60);

    const sample = demoProducts[2];
    const doc = await productsCollection(db).findOne({ _id: sample.id });
    expect(doc).toMatchObject({ sku: sample.sku, slug: sample.slug, name: sample.name, price: sample.price, active: true, _outboxPending: true });
    expect(doc!._outbox).toHaveLength(1);
    const event = parseEvent(JSON.stringify(doc!._outbox![0]))!;
    expect(event).toMatchObject({ type: 'ProductCreated', aggregateId: sample.id, payload: { productId: sample.id, initialStock: sample.initialStock } });

    // An existing product is left as it is (no second event, no overwrite).
    await productsCollection(db).updateOne({ _id: sample.id }, { $set: { name: 'Renamed by an admin', _outbox: [], _outboxPending: false } });
    const second = await seedProducts(db);
    expect(second).toEqual({ categoriesCreated: [], productsCreated: [], productsExisting: demoProducts.map((p) => p.id) });
    expect(await productsCollection(db).findOne({ _id: sample.id })).toMatchObject({ name: 'Renamed by an admin', _outbox: [], _outboxPending: false });
    expect(await productsCollection(db).countDocuments({})).toBe(demoProducts.length);
  });
});
