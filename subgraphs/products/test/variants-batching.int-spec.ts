import type { CommandStartedEvent } from 'mongodb';
import { uniqueId } from '@shopgraph/testkit';
import { ProductCache } from '../src/stores/product.cache';
import { createCategory, createProduct, startProductsSubgraph, type TestProductsSubgraph } from './fixtures/products-subgraph';

// The N+1 guard of variants in the products subgraph: a listing of products with their options,
// variants, default variant, price range and each variant's product, and a batch of ProductVariant
// references (what the gateway sends for cart and order lines), cost a number of store calls that
// does not grow with the number of products or variants.

const LISTING = `query L($filter: ProductFilter, $first: Int) {
  products(filter: $filter, first: $first, sort: NEWEST) { totalCount edges { node {
    id name category { id slug }
    options { name values }
    variants { id sku title options { name value } price { amount } active product { id name } }
    defaultVariant { id sku }
    priceRange { min { amount } max { amount } }
  } } }
}`;
const VARIANT_ENTITIES = `query E($reps: [_Any!]!) { _entities(representations: $reps) {
  ... on ProductVariant { id sku title price { amount } product { id name category { id } } }
} }`;

/** Every command the subgraph's request client sends while `run` executes, the outbox relay's own polling left out. */
async function commandsDuring(sg: TestProductsSubgraph, run: () => Promise<unknown>): Promise<CommandStartedEvent[]> {
  const seen: CommandStartedEvent[] = [];
  const listener = (event: CommandStartedEvent) => {
    const filter = JSON.stringify(event.command.filter ?? event.command.pipeline ?? {});
    if (!filter.includes('_outboxPending')) seen.push(event);
  };
  sg.service.mongo.on('commandStarted', listener);
  try {
    await run();
  } finally {
    sg.service.mongo.off('commandStarted', listener);
  }
  return seen;
}

describe('products subgraph: variants without N+1', () => {
  let sg: TestProductsSubgraph;
  let tag: string;
  let category: { id: string; slug: string };
  const products: { id: string; name: string; variants: { id: string; sku: string }[] }[] = [];

  beforeAll(async () => {
    sg = await startProductsSubgraph();
    category = await createCategory(sg, 'Apparel');
    tag = uniqueId('nplus1').toLowerCase().replace(/_/g, '-');
    // 24 products with Size × Colour (3 variants each) and one without options, all tagged for this test.
    const tee = async (i: number) => {
      const base = uniqueId(`NP${i}`).toUpperCase().replace(/_/g, '-');
      const variants = ['S', 'M', 'L'].map((size, j) => ({
        sku: `${base}-${size}`,
        options: [
          { name: 'Size', value: size },
          { name: 'Colour', value: 'Black' },
        ],
        price: 2000 + 100 * j,
      }));
      const p = await createProduct(sg, category.slug, {
        sku: base,
        name: `Tee ${i}`,
        tags: [tag],
        price: 2000,
        options: [
          { name: 'Size', values: ['S', 'M', 'L'] },
          { name: 'Colour', values: ['Black'] },
        ],
        variants,
      });
      return { id: p.id as string, name: p.name as string, variants: [] };
    };
    // Six at a time: quicker than one by one on a busy machine, gentler than all at once.
    for (let i = 0; i < 24; i += 6) products.push(...(await Promise.all([0, 1, 2, 3, 4, 5].map((j) => tee(i + j)))));
    const plain = await createProduct(sg, category.slug, { name: 'Plain mug', tags: [tag], price: 900 });
    products.push({ id: plain.id, name: plain.name, variants: [] });
    // Their variant ids, as the API shows them.
    const res = await sg.call(LISTING, { filter: { tags: [tag] }, first: 100 });
    const byId = new Map<string, { id: string; sku: string }[]>(
      res.body.data!.products.edges.map((e: any) => [e.node.id, e.node.variants.map((v: any) => ({ id: v.id, sku: v.sku }))]),
    );
    for (const p of products) p.variants = byId.get(p.id)!;
  }, 240_000);
  afterAll(async () => {
    await sg?.stop();
  });

  it('lists products with options, variants, their product, default variant and price range at the same cost for 5 as for 25 products', async () => {
    const cost = async (first: number) => {
      // Each run starts from a cold cache: ProductVariant.product then goes to MongoDB for its product.
      const keys = await sg.service.redis.keys(`${sg.cachePrefix}:*`);
      if (keys.length > 0) await sg.service.redis.del(...keys);
      const mget = jest.spyOn(ProductCache.prototype, 'getMany');
      let res: Awaited<ReturnType<TestProductsSubgraph['call']>> | undefined;
      try {
        const commands = await commandsDuring(sg, async () => {
          res = await sg.call(LISTING, { filter: { tags: [tag] }, first });
        });
        expect(res!.body.errors).toBeUndefined();
        const edges = res!.body.data!.products.edges;
        expect(edges).toHaveLength(first);
        const withOptions = edges.filter((e: any) => e.node.options.length > 0);
        for (const { node } of edges) {
          for (const v of node.variants) expect(v.product).toEqual({ id: node.id, name: node.name });
          expect(node.defaultVariant.id).toBe(node.variants[0].id);
        }
        for (const { node } of withOptions) {
          expect(node.variants.map((v: any) => v.title)).toEqual(['S / Black', 'M / Black', 'L / Black']);
          expect(node.priceRange).toEqual({ min: { amount: 2000 }, max: { amount: 2200 } });
        }
        return {
          mongo: commands.map((c) => `${c.commandName}:${(c.command as Record<string, unknown>)[c.commandName]}`).sort(),
          cacheReads: mget.mock.calls.length,
        };
      } finally {
        mget.mockRestore();
      }
    };
    const five = await cost(5);
    const all = await cost(25);
    expect(all).toEqual(five);
    // The page and its count and one categories query; each variant's product is the document it was
    // read from, so neither the cache nor MongoDB is asked for it again.
    expect(all.mongo.length).toBeLessThanOrEqual(3);
    expect(all.mongo.filter((c) => c === 'find:products')).toHaveLength(1);
    expect(all.cacheReads).toBe(0);
    console.log(
      `[variants] products store commands for a listing with variants: 5 products ${JSON.stringify(five)}, 25 products ${JSON.stringify(all)}`,
    );
  });

  it('resolves 73 ProductVariant references of 25 products with ONE products query and one categories query, unknown ids as null', async () => {
    const keys = await sg.service.redis.keys(`${sg.cachePrefix}:*`);
    if (keys.length > 0) await sg.service.redis.del(...keys);
    const variantIds = products.flatMap((p) => p.variants.map((v) => v.id));
    expect(variantIds).toHaveLength(24 * 3 + 1);
    const unknown = `${products[0].id}:nope`;
    const reps = [...variantIds, unknown, 'not-a-product'].map((id) => ({ __typename: 'ProductVariant', id }));

    let res: Awaited<ReturnType<TestProductsSubgraph['call']>> | undefined;
    const commands = await commandsDuring(sg, async () => {
      res = await sg.call(VARIANT_ENTITIES, { reps });
    });
    expect(res!.body.errors).toBeUndefined();
    const entities = res!.body.data!._entities;
    expect(entities.slice(-2)).toEqual([null, null]);
    const owner = new Map(products.flatMap((p) => p.variants.map((v) => [v.id, p] as const)));
    for (const [i, id] of variantIds.entries()) {
      expect(entities[i]).toMatchObject({
        id,
        product: { id: owner.get(id)!.id, name: owner.get(id)!.name, category: { id: category.id } },
      });
    }
    const finds = commands.filter((c) => c.commandName === 'find');
    const productFinds = finds.filter((c) => c.command.find === 'products');
    expect(productFinds).toHaveLength(1);
    // One $in over the distinct products (the unknown variant names a known product).
    expect([...productFinds[0].command.filter._id.$in].sort()).toEqual([...products.map((p) => p.id), 'not-a-product'].sort());
    expect(finds.filter((c) => c.command.find === 'categories')).toHaveLength(1);
    expect(commands).toHaveLength(2);

    // Again, warm: the products come from the cache, only the absent one is asked for.
    const warm = await commandsDuring(sg, async () => {
      res = await sg.call(VARIANT_ENTITIES, { reps });
    });
    expect(res!.body.data!._entities).toEqual(entities);
    expect(warm.filter((c) => c.command.find === 'products').map((c) => c.command.filter._id.$in)).toEqual([['not-a-product']]);
  });
});
