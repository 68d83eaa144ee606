#!/usr/bin/env node
// What the public edge costs, and what the attacks of issue 8 get now. Starts its own gateways
// (child processes, on free ports) over one set of subgraphs and prints figures; asserts nothing.
//
//   node bench/edge.mjs [--rounds 7] [--seconds 5] [--typical-seconds 10] [--concurrency 8] [--skip-attacks]
//       subgraphs: those of the running shop (`npm start`, started here if nothing answers)
//   node bench/edge.mjs --only micro
//       only the in-process figures (per-request cost of each protection, the revocation sweep)
//   node bench/edge.mjs --gateway-env env.json …
//       subgraphs: the ones described by env.json (the gateway's environment: *_SUBGRAPH_URL,
//       JWKS_URL, SG_NAMESPACE, …); gateway/bench/edge.bench.ts runs it so on the test fixture.
//
// Variants (one gateway each, same subgraphs, same Redis):
//   off      rate limit off, every MAX_QUERY_* out of reach (cost analysis still runs but never refuses)
//   on       the defaults: cost analysis + limits, a Redis rate-limit take per request (budgets too
//            large to refuse anyone), bounded metrics
//   trusted  `on` + TRUSTED_DOCUMENTS=enforce (every request checked against the manifest)
// Queries: `cheap` (the manifest's `Me`, anonymous: one users call answering null) and `typical`
// (the manifest's ProductPage: four subgraphs). Every round runs every variant on each query, in
// rotated order so machine noise hits all alike; figures are medians over rounds.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { args, ensureGateway, freePort, root } from './lib.mjs';

const require = createRequire(path.join(root, 'gateway', 'package.json'));
const WebSocket = require('ws');

const rounds = Number(args.rounds ?? 7);
// Each variant runs each query for a fixed time per round (request counts would make a slow machine's run endless).
const seconds = { cheap: Number(args.seconds ?? 5), typical: Number(args['typical-seconds'] ?? 10) };
const concurrency = Number(args.concurrency ?? 8);
const gatewayEnv = args['gateway-env'] ? JSON.parse(readFileSync(args['gateway-env'], 'utf8')) : null;

const manifest = JSON.parse(readFileSync(path.join(root, 'gateway/trusted-documents.json'), 'utf8'));
const op = (name) => manifest.operations.find((o) => o.name === name);
const QUERIES = { cheap: op('Me'), typical: op('ProductPage') };

const huge = '1000000000';
const variants = {
  off: {
    RATE_LIMIT_ENABLED: 'false',
    ...Object.fromEntries(['DEPTH', 'ALIASES', 'ROOT_FIELDS', 'TOKENS', 'DIRECTIVES', 'COST'].map((k) => [`MAX_QUERY_${k}`, huge])),
  },
  on: {
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_KEY_PREFIX: `bench-edge-${process.pid}:`,
    RATE_LIMIT_CLIENT_BURST: huge,
    RATE_LIMIT_GLOBAL_BURST: huge,
  },
};
variants.trusted = { ...variants.on, TRUSTED_DOCUMENTS: 'enforce' };


async function startGateway(env) {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [path.join(root, 'gateway/dist/index.js')], {
    cwd: root,
    // A generous subgraph deadline: a slow answer under load is a data point, not a refusal.
    env: {
      ...process.env,
      ...(gatewayEnv ?? {}),
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      SUBGRAPH_TIMEOUT_MS: '20000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const admin = `http://127.0.0.1:${adminPort}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      if ((await fetch(`${admin}/health/ready`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway on :${port} did not start`);
    await new Promise((r) => setTimeout(r, 300));
  }
  return { child, url: `http://127.0.0.1:${port}/graphql`, admin };
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: JSON.parse(text) };
}

/** Calls at `concurrency` for `duration` seconds: req/s, latency percentiles (ms), answers with errors. */
async function load(url, query, variables, duration) {
  const body = JSON.stringify({ query: query.body, variables });
  const latencies = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + duration * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        const res = await post(url, body);
        if (res.json.errors) {
          // Counted and reported; the first one is shown (a refusal would mean the variant is misconfigured).
          if (errors++ === 0) console.error(`[bench] ${query.name}: ${res.text.slice(0, 300)}`);
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), errors };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function overhead(gateways, slug) {
  const names = Object.keys(variants);
  const figures = {};
  for (const q of Object.keys(QUERIES)) for (const v of names) figures[`${q}/${v}`] = [];
  const vars = { cheap: {}, typical: { slug } };
  for (const q of Object.keys(QUERIES)) for (const v of names) await load(gateways[v].url, QUERIES[q], vars[q], 2); // warm-up
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    for (const q of Object.keys(QUERIES))
      for (const v of order) figures[`${q}/${v}`].push(await load(gateways[v].url, QUERIES[q], vars[q], seconds[q]));
  }
  console.log(
    `\n[bench] protections on vs off: ${rounds} rounds of ${seconds.cheap} s (cheap) / ${seconds.typical} s (typical) per variant, concurrency ${concurrency}, load average at start ${os.loadavg()[0].toFixed(1)}; medians over rounds`,
  );
  console.log('query    variant   req/s (per round)                                   median req/s  p50 ms  p99 ms  vs off   errors');
  for (const q of Object.keys(QUERIES)) {
    const base = median(figures[`${q}/off`].map((f) => f.rps));
    for (const v of names) {
      const f = figures[`${q}/${v}`];
      const rps = median(f.map((x) => x.rps));
      const delta = v === 'off' ? '' : `${(((rps - base) / base) * 100).toFixed(1)}%`;
      console.log(
        `${q.padEnd(8)} ${v.padEnd(9)} ${f
          .map((x) => x.rps.toFixed(0))
          .join(' ')
          .padEnd(51)} ${rps.toFixed(0).padStart(12)}  ${median(f.map((x) => x.p50))
          .toFixed(1)
          .padStart(6)}  ${median(f.map((x) => x.p99))
          .toFixed(1)
          .padStart(6)}  ${delta.padEnd(7)}  ${f.reduce((a, x) => a + x.errors, 0)}`,
      );
    }
  }
}

/** Operations every subgraph has served (their /metrics), when the subgraphs' URLs are known. */
async function subgraphOperations() {
  if (!gatewayEnv) return null;
  let total = 0;
  for (const [key, url] of Object.entries(gatewayEnv)) {
    if (!key.endsWith('_SUBGRAPH_URL')) continue;
    const text = await (await fetch(new URL('/metrics', url))).text();
    for (const line of text.split('\n'))
      if (line.startsWith('graphql_operation_duration_seconds_count{')) total += Number(line.split(' ').pop());
  }
  return total;
}

async function attack(name, before, act) {
  const calls0 = await subgraphOperations();
  const t0 = performance.now();
  const outcome = await act();
  const ms = performance.now() - t0;
  const calls1 = await subgraphOperations();
  const calls = calls0 === null ? 'n/a' : String(calls1 - calls0);
  console.log(`- ${name}\n    before: ${before}\n    after:  ${outcome} in ${ms.toFixed(0)} ms; subgraph operations meanwhile: ${calls}`);
}

const codeOf = (res) =>
  `HTTP ${res.status} ${res.json.errors?.[0]?.extensions?.code ?? 'OK'}${res.json.errors?.[0]?.extensions?.limit ? ` (${res.json.errors[0].extensions.limit} ${res.json.errors[0].extensions.measured} > ${res.json.errors[0].extensions.allowed})` : ''}`;

async function attacks(gateway) {
  console.log(`\n[bench] the attacks of issue 8 against a gateway with the default protections (${gateway.url})`);
  const bomb = (levels) =>
    `query { ...F0 } ${Array.from({ length: levels - 1 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ')} fragment F${levels - 1} on Query { __typename }`;
  for (const levels of [20, 30]) {
    await attack(
      `fragment bomb, ${levels} levels (${bomb(levels).length} bytes), anonymous`,
      levels === 20 ? 'blocked every request for ~0.8 s' : '≈ half an hour (doubling per level)',
      async () => {
        // A cheap query sent while the bomb is being refused: does the bomb block it?
        const [res, other] = await Promise.all([
          post(gateway.url, { query: bomb(levels) }),
          (async () => {
            const s = performance.now();
            await post(gateway.url, { query: QUERIES.cheap.body });
            return performance.now() - s;
          })(),
        ]);
        return `${codeOf(res)}; a concurrent cheap query answered in ${other.toFixed(0)} ms`;
      },
    );
  }
  const aliases = `{ ${Array.from({ length: 500 }, (_, i) => `p${i}: products(first: 100) { edges { node { id name description } } }`).join(' ')} }`;
  await attack(`500 aliases of products(first: 100) (${(aliases.length / 1024).toFixed(0)} KB)`, 'ran 14 s, answered 2.9 MB', async () => {
    const res = await post(gateway.url, { query: aliases });
    return `${codeOf(res)}, ${res.text.length} bytes answered`;
  });
  const logins = `mutation($i: LoginInput!) { ${Array.from({ length: 20 }, (_, k) => `l${k}: login(input: $i) { accessToken }`).join(' ')} }`;
  await attack('20 aliased logins in one request (a fresh client address)', '20 password hashes', async () => {
    const res = await post(gateway.url, {
      query: logins,
      variables: { i: { email: `nobody-${process.pid}@example.com`, password: 'wrong-password' } },
    });
    // Per alias: what users answered (a login attempted = a password hash; refused by users' own limits = none).
    const byCode = {};
    for (const e of res.json.errors ?? []) byCode[e.extensions?.code ?? '?'] = (byCode[e.extensions?.code ?? '?'] ?? 0) + 1;
    const retry = res.headers.get('retry-after');
    const refusedByUsers = byCode.RATE_LIMITED ?? 0;
    const atGateway = res.status === 429;
    return `${codeOf(res)}${retry ? ` (Retry-After ${retry} s)` : ''}; ${atGateway ? 'no login reached users' : `${20 - refusedByUsers} of 20 logins checked a password, ${refusedByUsers} refused by users' own limits`}; errors by code ${JSON.stringify(byCode)}`;
  });
  const token = (
    await post(gateway.url, {
      query: 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
      variables: { i: { email: 'alice@shopgraph.local', password: 'Customer123!' } },
    })
  ).json.data?.login?.accessToken;
  if (!token) {
    console.log('- (alice@shopgraph.local cannot sign in: signed-in attacks skipped)');
    return;
  }
  const address = { recipient: 'A', line1: '1 Road', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
  await attack('25 aliased addAddress (signed in)', 'all 25 stored', async () => {
    const res = await post(
      gateway.url,
      {
        query: `mutation($a: AddressInput!) { ${Array.from({ length: 25 }, (_, i) => `x${i}: addAddress(input: $a) { address { id } }`).join(' ')} }`,
        variables: { a: address },
      },
      { authorization: `Bearer ${token}` },
    );
    return codeOf(res);
  });
  await attack(
    'subscription-id reuse: subscribe X, complete X, ×30 in one burst on one socket (limit 20), then close',
    '30 live subscriptions, 29 left registered after close',
    async () => {
      const active = async () => {
        const text = await (await fetch(`${gateway.admin}/metrics`)).text();
        return [...text.matchAll(/^subscription_active\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
      };
      const ws = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const acked = new Promise((resolve) => ws.on('message', (d) => JSON.parse(d.toString()).type === 'connection_ack' && resolve()));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      await acked;
      for (let i = 0; i < 30; i++) {
        ws.send(JSON.stringify({ id: 'X', type: 'subscribe', payload: { query: 'subscription { myOrderUpdates { status } }' } }));
        if (i < 29) ws.send(JSON.stringify({ id: 'X', type: 'complete' }));
      }
      await new Promise((r) => setTimeout(r, 1000));
      const live = await active();
      const closed = new Promise((r) => ws.once('close', r));
      ws.close();
      await closed;
      await new Promise((r) => setTimeout(r, 1000));
      return `${live} live after the burst, ${await active()} left 1 s after close`;
    },
  );
}

/** The per-socket revocation re-check: one MGET for N signed-in sockets (what the timer does every REVOCATION_SOCKET_CHECK_MS) vs a cached check per delivery. */
async function revocationCheck() {
  const { RevocationList } = require(path.join(root, 'gateway/dist/edge/revocation.js'));
  const { createLogger } = require('@shopgraph/kit');
  const list = new RevocationList({
    redisUrl: gatewayEnv?.REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    commandTimeoutMs: 2000,
    keyPrefix: `bench-rv-${process.pid}:`,
    cacheMs: 1000,
    failMode: 'open',
    log: createLogger('bench', 'silent'),
  });
  await list.start();
  console.log('\n[bench] re-checking open sockets against the revocation list (real Redis)');
  for (const n of [100, 1000, 10000]) {
    const tokens = Array.from({ length: n }, (_, i) => ({ sub: `u${i % Math.ceil(n / 2)}`, sid: `s${i}`, iatMs: Date.now() }));
    const times = [];
    for (let r = 0; r < 7; r++) {
      const t0 = performance.now();
      await list.revokedAmong(tokens);
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    for (const t of tokens) await list.isRevoked(t); // cached: what a check on each delivery would cost once warm
    const perDelivery = ((performance.now() - t0) / n) * 1000;
    console.log(
      `${String(n).padStart(6)} signed-in sockets: one sweep (MGET of ${Math.ceil(n / 2) + n} keys) median ${median(times).toFixed(1)} ms; a cached per-delivery check ${perDelivery.toFixed(2)} µs`,
    );
  }
  await list.stop();
}

/**
 * What each protection costs one request, in this process (independent of machine load, which
 * swamps the end-to-end comparison on a shared 2-core box): the cost analysis, the
 * trusted-document lookup, and a rate-limit take's round trip to Redis.
 */
async function micro() {
  const { parse } = require('graphql');
  const { measureDocument } = require(path.join(root, 'gateway/dist/edge/complexity.js'));
  const { loadTrustedDocuments, resolveTrustedDocument } = require(path.join(root, 'gateway/dist/edge/trusted-documents.js'));
  const { RateLimiter } = require(path.join(root, 'gateway/dist/edge/rate-limit.js'));
  const { createLogger } = require('@shopgraph/kit');
  const documents = loadTrustedDocuments([path.join(root, 'gateway/trusted-documents.json')]);
  const perCall = (n, fn) => {
    for (let i = 0; i < 1000; i++) fn();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    return ((performance.now() - t0) / n) * 1000;
  };
  console.log('\n[bench] per-request cost of each protection, in process (µs; median of 5 runs)');
  for (const [name, q] of Object.entries(QUERIES)) {
    const doc = parse(q.body);
    const analysis = median(Array.from({ length: 5 }, () => perCall(20000, () => measureDocument(doc, null, { slug: 'x' }))));
    const trusted = median(Array.from({ length: 5 }, () => perCall(20000, () => resolveTrustedDocument(documents, q.body, undefined))));
    console.log(
      `${name.padEnd(8)} cost analysis ${analysis.toFixed(1)} µs; trusted-document check (sha256 of ${q.body.length} bytes + lookup) ${trusted.toFixed(1)} µs`,
    );
  }
  const limiter = new RateLimiter({
    redisUrl: gatewayEnv?.REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    commandTimeoutMs: 2000,
    keyPrefix: `bench-rl-${process.pid}:`,
    client: { burst: 1e9, perSecond: 1e6 },
    global: { burst: 1e9, perSecond: 1e6 },
    costs: {},
    fieldBudgets: {},
    log: createLogger('bench', 'silent'),
  });
  await limiter.start();
  const takes = [];
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now();
    await limiter.take('ip:203.0.113.1', 1);
    takes.push(performance.now() - t0);
  }
  takes.sort((a, b) => a - b);
  console.log(
    `rate-limit take (one Lua call, client + global bucket): p50 ${(takes[250] * 1000).toFixed(0)} µs, p99 ${(takes[495] * 1000).toFixed(0)} µs round trip (awaited, mostly not CPU)`,
  );
  await limiter.stop();
}

async function main() {
  if (args.only === 'micro') {
    await micro();
    await revocationCheck();
    return;
  }
  const shop = gatewayEnv ? null : await ensureGateway();
  const started = [];
  console.log(
    `[bench] ${new Date().toISOString()} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, node ${process.version}`,
  );
  try {
    const gateways = {};
    for (const [name, env] of Object.entries(variants)) {
      gateways[name] = await startGateway(env);
      started.push(gateways[name].child);
    }
    const listing = await post(gateways.off.url, { query: '{ products(first: 1, sort: NEWEST) { edges { node { slug } } } }' });
    const slug = listing.json.data?.products.edges[0]?.node.slug;
    if (!slug) throw new Error('no products: run `npm run seed` first');
    await overhead(gateways, slug);
    if (!('skip-attacks' in args)) {
      // The default budgets (a fresh key prefix, so earlier runs do not count).
      const defaults = await startGateway({ RATE_LIMIT_KEY_PREFIX: `bench-edge-attacks-${process.pid}:` });
      started.push(defaults.child);
      await attacks(defaults);
    }
    await micro();
    await revocationCheck();
  } finally {
    for (const child of started) child.kill('SIGTERM');
    shop?.kill('SIGINT');
  }
}

main().catch((error) => {
  console.error(`[bench] ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
