// The edge's cost measured in one process on the test fixture's shop (for machines where
// `npm start` cannot run, see bench/edge.mjs for the out-of-process version). Not part of the
// test suite (the jest config only matches *.spec.ts / *.e2e-spec.ts); prints figures, asserts nothing:
//   cd gateway && npx jest --testMatch '<rootDir>/bench/*.bench.ts' --testTimeout 900000
import { parse } from 'graphql';
import { uniqueId } from '@shopgraph/testkit';
import { startShop } from '../test/fixtures/shop';
import { measureDocument } from '../src/edge/complexity';

const PRODUCT_PAGE = `query($slug: String) { product(slug: $slug) {
  id name price { formatted } category { name } stock { available } inStock
  rating { average count histogram }
  reviews(first: 5) { edges { node { rating title author { name } } } }
} }`;
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const requests = Number(process.env.BENCH_REQUESTS ?? 600);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const huge = '1000000000';

async function post(url: string, variables: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: PRODUCT_PAGE, variables }) });
  const body = (await res.json()) as { errors?: unknown };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
}

async function throughput(url: string, slug: string): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        await post(url, { slug });
      }
    }),
  );
  return requests / ((performance.now() - t0) / 1000);
}

it('prints the throughput of the product page with protections on vs off', async () => {
  const shop = await startShop();
  try {
    const res = await shop.call('{ products(first: 1, sort: NEWEST) { edges { node { slug } } } }');
    const slug = res.body.data!.products.edges[0].node.slug as string;
    const on = await shop.startGateway({ RATE_LIMIT_KEY_PREFIX: `${uniqueId('bench')}:`, RATE_LIMIT_CLIENT_BURST: huge, RATE_LIMIT_GLOBAL_BURST: huge });
    const off = await shop.startGateway({
      RATE_LIMIT_ENABLED: 'false',
      MAX_QUERY_DEPTH: huge,
      MAX_QUERY_ALIASES: huge,
      MAX_QUERY_ROOT_FIELDS: huge,
      MAX_QUERY_TOKENS: huge,
      MAX_QUERY_DIRECTIVES: huge,
      MAX_QUERY_COST: huge,
    });
    for (const url of [on.url, off.url]) for (let i = 0; i < 150; i++) await post(url, { slug });
    const figures: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let r = 0; r < rounds; r++) {
      for (const name of (r % 2 ? ['off', 'on'] : ['on', 'off']) as ('on' | 'off')[]) figures[name].push(await throughput(name === 'on' ? on.url : off.url, slug));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const doc = parse(PRODUCT_PAGE);
    const n = 20000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) measureDocument(doc, null, { slug });
    const analysisUs = ((performance.now() - t0) / n) * 1000;
    console.log(
      [
        `[bench] product page, ${requests} requests × ${rounds} rounds per variant, concurrency ${concurrency}, everything in one process`,
        ...(['on', 'off'] as const).map((k) => `protections ${k.padEnd(3)} req/s: ${figures[k].map((x) => x.toFixed(0)).join(' ')}  median=${median(figures[k]).toFixed(0)}`),
        `protections cost ${((1 - median(figures.on) / median(figures.off)) * 100).toFixed(1)}% of throughput (median on vs off)`,
        `cost analysis alone: ${analysisUs.toFixed(1)} µs per product-page request`,
      ].join('\n'),
    );
  } finally {
    await shop.stop();
  }
});
