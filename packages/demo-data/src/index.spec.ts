import { demoCategories, demoProducts, demoReviews, demoUsers, stableId } from './index';

describe('demo data', () => {
  it('is a believable shop: 60+ products in 6+ categories, with low and sold-out stock', () => {
    expect(demoProducts.length).toBeGreaterThanOrEqual(60);
    expect(demoCategories.length).toBeGreaterThanOrEqual(6);
    expect(demoProducts.some((p) => p.initialStock === 0)).toBe(true);
    expect(demoProducts.some((p) => p.initialStock > 0 && p.initialStock < 5)).toBe(true);
    for (const p of demoProducts) {
      expect(demoCategories.map((c) => c.slug)).toContain(p.categorySlug);
      expect(p.price).toBeGreaterThan(0);
      expect(p.images.length).toBeGreaterThan(0);
    }
  });

  it('has unique ids, skus and slugs, and stable ids across runs', () => {
    for (const key of ['id', 'sku', 'slug'] as const) expect(new Set(demoProducts.map((p) => p[key])).size).toBe(demoProducts.length);
    expect(stableId('x')).toBe(stableId('x'));
    expect(stableId('x')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('has products with real options: every combination a variant with a unique sku, stock per variant, ids under the product', () => {
    const withOptions = demoProducts.filter((p) => p.variants);
    expect(withOptions.map((p) => p.name)).toEqual(expect.arrayContaining(['Organic Cotton T-Shirt', 'Electric Kettle 1.7L']));
    const skus = demoProducts.flatMap((p) => [p.sku, ...(p.variants ?? []).map((v) => v.sku)]);
    expect(new Set(skus).size).toBe(skus.length);
    for (const p of withOptions) {
      const combos = p.options!.reduce((n, o) => n * o.values.length, 1);
      expect(p.variants).toHaveLength(combos);
      for (const v of p.variants!) {
        expect(v.id.startsWith(`${p.id}:`)).toBe(true);
        expect(v.options.map((o) => o.name)).toEqual(p.options!.map((o) => o.name));
      }
    }
    const shirt = withOptions.find((p) => p.name === 'Organic Cotton T-Shirt')!;
    expect(shirt.variants!.some((v) => v.initialStock === 0)).toBe(true);
    expect(new Set(shirt.variants!.map((v) => v.price)).size).toBeGreaterThan(1);
  });

  it('has at most one review per author and product, by demo customers, rated 1..5', () => {
    const pairs = demoReviews.map((r) => `${r.authorId}:${r.productId}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    const customers = new Set(demoUsers.filter((u) => u.role === 'CUSTOMER').map((u) => u.id));
    for (const r of demoReviews) {
      expect(customers.has(r.authorId)).toBe(true);
      expect(r.rating).toBeGreaterThanOrEqual(1);
      expect(r.rating).toBeLessThanOrEqual(5);
    }
    expect(demoReviews.length).toBeGreaterThan(60);
  });
});
