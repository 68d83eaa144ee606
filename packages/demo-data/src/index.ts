import { catalog } from './catalog';
import { slugify, stableId } from './ids';

export { stableId, slugify };
export { demoShippingMethods, type DemoShippingMethod } from './shipping';

export interface DemoUser {
  id: string;
  email: string;
  name: string;
  role: 'ADMIN' | 'CUSTOMER';
  password: string;
}
export interface DemoCategory {
  id: string;
  slug: string;
  name: string;
}
/** A variant of a demo product with options; its id is `<productId>:<key>` (the products subgraph's variant id form). */
export interface DemoVariant {
  id: string;
  key: string;
  sku: string;
  options: { name: string; value: string }[];
  price: number;
  initialStock: number;
}
export interface DemoProduct {
  id: string;
  sku: string;
  slug: string;
  name: string;
  description: string;
  brand: string;
  categorySlug: string;
  tags: string[];
  images: string[];
  price: number;
  currency: string;
  /** For a product without options: its default variant's stock. */
  initialStock: number;
  createdAt: Date;
  /** Present for a product with options (then `variants` too). */
  options?: { name: string; values: string[] }[];
  variants?: DemoVariant[];
}
export interface DemoReview {
  id: string;
  productId: string;
  authorId: string;
  rating: number;
  title: string;
  body: string;
  createdAt: Date;
}

/** Demo accounts: for local use only (the README lists them). */
export const demoUsers: DemoUser[] = [
  { email: 'admin@shopgraph.local', name: 'Ada Admin', role: 'ADMIN' as const, password: 'Admin123!shop' },
  { email: 'alice@shopgraph.local', name: 'Alice Martin', role: 'CUSTOMER' as const, password: 'Customer123!' },
  { email: 'bob@shopgraph.local', name: 'Bob Okafor', role: 'CUSTOMER' as const, password: 'Customer123!' },
  { email: 'carol@shopgraph.local', name: 'Carol Nguyen', role: 'CUSTOMER' as const, password: 'Customer123!' },
  { email: 'dave@shopgraph.local', name: 'Dave Kowalski', role: 'CUSTOMER' as const, password: 'Customer123!' },
  { email: 'erin@shopgraph.local', name: 'Erin Silva', role: 'CUSTOMER' as const, password: 'Customer123!' },
].map((u) => ({ ...u, id: stableId(`user:${u.email}`) }));

export const demoCategories: DemoCategory[] = [
  ...catalog.map(({ slug, name }) => ({ slug, name })),
  { slug: 'apparel', name: 'Apparel' },
].map(({ slug, name }) => ({
  id: stableId(`category:${slug}`),
  slug,
  name,
}));

// Stock levels cycle through plenty, some low (1-4) and some sold out (0).
const STOCK_PATTERN = [120, 45, 3, 60, 0, 25, 80, 2, 150, 12, 1, 40];
const BASE_DATE = Date.UTC(2026, 5, 1);

export const demoProducts: DemoProduct[] = catalog.flatMap((category, ci) =>
  category.products.map((p, pi) => {
    const index = ci * 100 + pi;
    const slug = slugify(p.name);
    const sku = `${category.skuPrefix}-${String(pi + 1).padStart(3, '0')}`;
    return {
      id: stableId(`product:${sku}`),
      sku,
      slug,
      name: p.name,
      description: p.description,
      brand: p.brand,
      categorySlug: category.slug,
      tags: p.tags,
      images: [1, 2].map((n) => `https://images.shopgraph.dev/demo/${slug}-${n}.jpg`),
      price: p.price,
      currency: 'USD',
      initialStock: STOCK_PATTERN[(ci * 7 + pi) % STOCK_PATTERN.length],
      createdAt: new Date(BASE_DATE + index * 3_600_000),
    };
  }),
);

/** Products with real options, appended after the plain catalog so its ids, stock and dates stay as they were. */
const VARIANT_BASE_DATE = Date.UTC(2026, 6, 1);
const withOptions: {
  name: string;
  brand: string;
  categorySlug: string;
  sku: string;
  price: number;
  tags: string[];
  description: string;
  options: { name: string; values: string[] }[];
  /** Price per combination (default `price`) and stock per combination, keyed by the values joined with "/". */
  priceOf?: (values: string[]) => number;
  stockOf: (values: string[], index: number) => number;
}[] = [
  {
    name: 'Organic Cotton T-Shirt',
    brand: 'Loomhouse',
    categorySlug: 'apparel',
    sku: 'APP-001',
    price: 2500,
    tags: ['t-shirt', 'organic', 'cotton'],
    description: 'A heavyweight organic cotton tee with a relaxed fit, garment-dyed so every colour fades softly.',
    options: [
      { name: 'Size', values: ['S', 'M', 'L', 'XL'] },
      { name: 'Colour', values: ['Black', 'White', 'Navy'] },
    ],
    priceOf: (values) => (values[0] === 'XL' ? 2800 : 2500),
    stockOf: (_values, i) => [30, 12, 3, 0, 45, 8, 20, 2, 15, 60, 5, 25][i],
  },
  {
    name: 'Merino Hoodie',
    brand: 'Ridgeway',
    categorySlug: 'apparel',
    sku: 'APP-002',
    price: 8900,
    tags: ['hoodie', 'merino', 'wool'],
    description: 'A midweight merino wool hoodie that stays warm when damp and never smells after a hike.',
    options: [
      { name: 'Size', values: ['S', 'M', 'L'] },
      { name: 'Colour', values: ['Grey', 'Forest'] },
    ],
    stockOf: (_values, i) => [10, 4, 18, 0, 7, 22][i],
  },
  {
    name: 'Electric Kettle 1.7L',
    brand: 'Steepwell',
    categorySlug: 'coffee-tea',
    sku: 'COF-101',
    price: 5900,
    tags: ['kettle', 'tea', 'appliance'],
    description: 'A fast 1.7-litre kettle with a keep-warm mode and a base that turns all the way round.',
    options: [{ name: 'Finish', values: ['Brushed Steel', 'Matte Black'] }],
    priceOf: (values) => (values[0] === 'Matte Black' ? 6400 : 5900),
    stockOf: (_values, i) => [35, 4][i],
  },
];

/** Every combination of the options' values, first option slowest. */
function combinations(options: { values: string[] }[]): string[][] {
  return options.reduce<string[][]>((acc, o) => acc.flatMap((prefix) => o.values.map((v) => [...prefix, v])), [[]]);
}

demoProducts.push(
  ...withOptions.map((p, i): DemoProduct => {
    const id = stableId(`product:${p.sku}`);
    const slug = slugify(p.name);
    return {
      id,
      sku: p.sku,
      slug,
      name: p.name,
      description: p.description,
      brand: p.brand,
      categorySlug: p.categorySlug,
      tags: p.tags,
      images: [1, 2].map((n) => `https://images.shopgraph.dev/demo/${slug}-${n}.jpg`),
      price: p.price,
      currency: 'USD',
      initialStock: 0,
      createdAt: new Date(VARIANT_BASE_DATE + i * 3_600_000),
      options: p.options,
      variants: combinations(p.options).map((values, k) => {
        const key = values.map(slugify).join('-');
        return {
          id: `${id}:${key}`,
          key,
          sku: `${p.sku}-${values.map((v) => slugify(v).toUpperCase()).join('-')}`,
          options: values.map((value, j) => ({ name: p.options[j].name, value })),
          price: p.priceOf?.(values) ?? p.price,
          initialStock: p.stockOf(values, k),
        };
      }),
    };
  }),
);

const REVIEW_TEXT: Record<number, [string, string][]> = {
  5: [
    ['Exactly what I wanted', 'Arrived quickly, works perfectly and feels well made. Would buy again.'],
    ['Love it', 'Better than I expected for the price. Using it every day.'],
  ],
  4: [
    ['Very good', 'Does the job well. One or two small things could be better, but I am happy with it.'],
    ['Solid choice', 'Good quality overall; the instructions could be clearer.'],
  ],
  3: [['It is fine', 'Works as described, nothing special. Decent value if it is on sale.']],
  2: [['Not great', 'It works, but the finish is rough and it feels cheaper than the photos suggest.']],
  1: [['Disappointed', 'Stopped working after a week. Support was helpful, but I returned it.']],
};

const customers = demoUsers.filter((u) => u.role === 'CUSTOMER');

/** Reviews by the demo customers: zero to five per product, ratings skewed positive, at most one per author and product. */
export const demoReviews: DemoReview[] = demoProducts.flatMap((product, i) => {
  const count = [0, 2, 5, 1, 3, 0, 4][i % 7];
  return Array.from({ length: count }, (_, k) => {
    const author = customers[(i + k) % customers.length];
    const rating = [5, 4, 5, 3, 4, 5, 2, 4, 1, 5][(i * 3 + k) % 10];
    const texts = REVIEW_TEXT[rating];
    const [title, body] = texts[(i + k) % texts.length];
    return {
      id: stableId(`review:${product.sku}:${author.email}`),
      productId: product.id,
      authorId: author.id,
      rating,
      title,
      body,
      createdAt: new Date(product.createdAt.getTime() + (k + 1) * 86_400_000),
    };
  });
});
