#!/usr/bin/env node
// What the public edge costs: gateway throughput on the product-page query with every protection
// on (cost analysis, Redis rate limit taken on every request, bounded metrics) vs off (rate limit
// disabled, limits out of reach), on the same subgraphs. Uses the running shop (`npm start`, or
// started here like bench/run.mjs) for the subgraphs and starts two extra gateways on it:
//   node bench/edge.mjs [--rounds 6] [--requests 1500] [--concurrency 8]
// Rounds alternate on/off so machine noise hits both alike; prints figures, asserts nothing.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { args, ensureGateway, gql, root } from './lib.mjs';

const rounds = Number(args.rounds ?? 6);
const requests = Number(args.requests ?? 1500);
const concurrency = Number(args.concurrency ?? 8);

const PRODUCT_PAGE = `query($slug: String) { product(slug: $slug) {
  id name price { formatted } category { name } stock { available } inStock
  rating { average count histogram }
  reviews(first: 5) { edges { node { rating title author { name } } } }
} }`;

const huge = '1000000000';
const variants = {
  on: { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_KEY_PREFIX: `bench-edge-${process.pid}:`, RATE_LIMIT_CLIENT_BURST: huge, RATE_LIMIT_GLOBAL_BURST: huge },
  off: {
    RATE_LIMIT_ENABLED: 'false',
    MAX_QUERY_DEPTH: huge,
    MAX_QUERY_ALIASES: huge,
    MAX_QUERY_ROOT_FIELDS: huge,
    MAX_QUERY_TOKENS: huge,
    MAX_QUERY_DIRECTIVES: huge,
    MAX_QUERY_COST: huge,
  },
};

async function startGateway(port, adminPort, env) {
  const child = spawn(process.execPath, [path.join(root, 'gateway/dist/index.js')], {
    cwd: root,
    env: { ...process.env, PORT: String(port), ADMIN_PORT: String(adminPort), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${adminPort}/health/ready`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway on :${port} did not start`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { child, url };
}

async function post(url, query, variables) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = await res.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function throughput(url, slug) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        next++;
        await post(url, PRODUCT_PAGE, { slug });
      }
    }),
  );
  return requests / ((performance.now() - t0) / 1000);
}

async function main() {
  const shop = await ensureGateway();
  const started = [];
  try {
    const { products } = await gql('{ products(first: 1, sort: NEWEST) { edges { node { slug } } } }');
    const slug = products.edges[0]?.node.slug;
    if (!slug) throw new Error('no products: run `npm run seed` first');
    const on = await startGateway(4190, 9490, variants.on);
    started.push(on.child);
    const off = await startGateway(4191, 9491, variants.off);
    started.push(off.child);
    for (const g of [on, off]) for (let i = 0; i < 200; i++) await post(g.url, PRODUCT_PAGE, { slug }); // warm-up

    const figures = { on: [], off: [] };
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 ? ['off', 'on'] : ['on', 'off']) figures[name].push(await throughput(name === 'on' ? on.url : off.url, slug));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`[bench] product page, ${requests} requests × ${rounds} rounds per variant, concurrency ${concurrency}`);
    for (const name of ['on', 'off']) console.log(`protections ${name.padEnd(4)} req/s per round: ${figures[name].map((x) => x.toFixed(0)).join(' ')}  median=${median(figures[name]).toFixed(0)}`);
    const cost = (1 - median(figures.on) / median(figures.off)) * 100;
    console.log(`protections cost ${cost.toFixed(1)}% of throughput (median on vs off)`);

    // The analysis alone, in this process: per-request time to measure the product page.
    const require = createRequire(path.join(root, 'gateway', 'package.json'));
    const { parse } = require('graphql');
    const { measureDocument } = require(path.join(root, 'gateway/dist/edge/complexity.js'));
    const doc = parse(PRODUCT_PAGE);
    const n = 20000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) measureDocument(doc, null, { slug });
    console.log(`cost analysis of the product page: ${(((performance.now() - t0) / n) * 1000).toFixed(1)} µs per request (no schema)`);
  } finally {
    for (const child of started) child.kill('SIGTERM');
    shop?.kill('SIGINT');
  }
}

main().catch((error) => {
  console.error(`[bench] ${error.message}`);
  process.exitCode = 1;
});
