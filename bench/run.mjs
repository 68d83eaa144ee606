#!/usr/bin/env node
// Latency scenarios against a running gateway (`npm start` in another terminal, or started here).
// Prints figures; asserts nothing. Bounded: every scenario has a fixed request count and stops.
//   node bench/run.mjs [--url http://localhost:4000/graphql] [--requests 300] [--concurrency 8]
import { args, ensureGateway, gatewayUrl as url, gql, report } from './lib.mjs';

const requests = Number(args.requests ?? 300);
const concurrency = Number(args.concurrency ?? 8);

async function timed(n, conc, fn) {
  const samples = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) {
        next++;
        const start = performance.now();
        await fn();
        samples.push(performance.now() - start);
      }
    }),
  );
  return { samples, seconds: (performance.now() - t0) / 1000 };
}

const PRODUCT_PAGE = `query($slug: String) { product(slug: $slug) {
  id name price { formatted } category { name } stock { available } inStock
  rating { average count histogram }
  reviews(first: 5) { edges { node { rating title author { name } } } }
} }`;
const LISTING = `{ products(first: 50, sort: NEWEST) { totalCount edges { node {
  id name price { formatted } inStock rating { average count } } } } }`;

async function main() {
  const child = await ensureGateway();
  try {
    const { products } = await gql('{ products(first: 1, sort: NEWEST) { edges { node { slug } } } }');
    const slug = products.edges[0]?.node.slug;
    if (!slug) throw new Error('no products: run `npm run seed` first');
    console.log(`[bench] ${url}, ${requests} requests per scenario, concurrency ${concurrency}`);

    await timed(30, 4, () => gql(PRODUCT_PAGE, { slug })); // warm-up
    report('product page (4 subgraphs), sequential', (await timed(requests, 1, () => gql(PRODUCT_PAGE, { slug }))).samples);
    const page = await timed(requests, concurrency, () => gql(PRODUCT_PAGE, { slug }));
    report(`product page, concurrency ${concurrency}`, page.samples);
    console.log(`${''.padEnd(44)} throughput=${(requests / page.seconds).toFixed(0)} req/s`);
    report('listing of 50 products, sequential', (await timed(Math.ceil(requests / 3), 1, () => gql(LISTING))).samples);

    const admin = (await gql('mutation { login(input: { email: "admin@shopgraph.local", password: "Admin123!shop" }) { accessToken } }')).login.accessToken;
    const delays = [];
    for (let i = 0; i < 20; i++) {
      const sku = `BENCH-${Date.now()}-${i}`;
      const created = await gql(
        'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { message } } }',
        { input: { sku, name: `Bench product ${sku}`, description: 'Created by bench/run.mjs', categorySlug: 'books', price: 999, initialStock: 7 } },
        admin,
      );
      const id = created.createProduct.product?.id;
      if (!id) throw new Error(JSON.stringify(created.createProduct.errors));
      const t0 = performance.now();
      for (;;) {
        const { product } = await gql('query($id: ID) { product(id: $id) { stock { onHand } } }', { id });
        if (product?.stock.onHand === 7) break;
        if (performance.now() - t0 > 30_000) throw new Error('stock never showed up');
        await new Promise((r) => setTimeout(r, 5));
      }
      delays.push(performance.now() - t0);
      await gql('mutation($id: ID!) { archiveProduct(id: $id) { errors { message } } }', { id }, admin);
    }
    report('createProduct → stock visible (Kafka)', delays);
    const mem = process.memoryUsage();
    console.log(`[bench] client rss=${(mem.rss / 2 ** 20).toFixed(0)}MiB`);
  } finally {
    child?.kill('SIGINT');
  }
}

main().catch((error) => {
  console.error(`[bench] ${error.message}`);
  process.exit(1);
});
