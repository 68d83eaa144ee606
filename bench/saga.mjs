#!/usr/bin/env node
// The order saga under load: placeOrder → CONFIRMED latency (p50/p95/p99) and the highest
// sustained rate of confirmed orders, against a running gateway (`npm start` in another terminal,
// or started here the way bench/run.mjs does). Loopback only; prints figures, asserts nothing.
//   node bench/saga.mjs [--url http://localhost:4000/graphql | --own-shop [--tracing] [--cpu-prof DIR]] [--levels 1,4,16] [--orders 400] [--seconds 20] [--record]
// --own-shop: a shop of its own on the shared local stack (every subgraph, the sandbox and a gateway
// as child processes, in a namespace of their own: own databases, topics, groups, Redis db 10),
// stopped and dropped at the end; otherwise the gateway at --url, or `npm start` when none answers.
// How: one fresh customer (registered per run) places orders for one product created for the run
// with enough stock (tok_visa, a new idempotency key each). CONFIRMED is observed through the
// gateway's graphql-ws subscription `myOrderUpdates` (no polling): latency = from sending
// placeOrder to receiving the CONFIRMED event. Concurrency is ramped (closed loop: each of N
// workers places an order, waits for CONFIRMED, places the next); each level is bounded by an
// order count (its share of --orders) and by --seconds, and reports confirmed orders per second.
// --tracing (with --own-shop): every process of the shop starts with the kit's tracing preload and
// 100 % sampling, exporting OTLP/HTTP to a receiver in this script that drops the spans (issue 11's
// overhead bound). With --own-shop each level also reports the CPU the shop's processes spent per
// confirmed order (utime+stime of every child, /proc), the figure load moves least.
// --cpu-prof DIR (with --own-shop): every process of the shop writes a V8 CPU profile into
// DIR/<service>/ when it stops; `node bench/profile-summary.mjs DIR` sums them by package.
// --record appends the run's table (with date, commit, machine and load average) to the
// "Throughput (issue 10)" section of bench/RESULTS.md.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { args, ensureGateway, gatewayUrl, gql as gqlAt, recordInResults, report, root } from './lib.mjs';

const require = createRequire(path.join(root, 'gateway', 'package.json'));
const { createClient } = require('graphql-ws');
const WebSocket = require('ws');

let url = gatewayUrl;
const ownShop = process.argv.includes('--own-shop');
const tracing = process.argv.includes('--tracing');
// lib.mjs's gql posts to --url by default; an own shop's gateway is elsewhere.
const gql = (query, variables = {}, token) => gqlAt(query, variables, token, url);

/** A namespaced shop on the shared stack (faults' harness), for --own-shop. */
async function startOwnShop() {
  const { attachFaultStack, startFaultShop } = require('@shopgraph/faults');
  const { mkdtempSync } = await import('node:fs');
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'shopgraph-bench-saga-'));
  writeFileSync(path.join(dataDir, 'shop-counter'), '9');
  const env = { PG_URL: 'postgres://shopgraph:shopgraph@127.0.0.1:5432', REDIS_URL: 'redis://127.0.0.1:6379', KAFKA_BROKERS: '127.0.0.1:9092', MONGO_URL: 'mongodb://127.0.0.1:27017' };
  for (const key of Object.keys(env)) if (process.env[key]) env[key] = process.env[key];
  const stack = attachFaultStack({ dataDir, servers: [], ports: {}, portEnv: {}, env, keep: true });
  console.log(`[bench] starting a shop of its own on the shared stack (every subgraph, demo data)${tracing ? ', tracing on' : ''}…`);
  const NAMES = ['gateway', 'users', 'products', 'inventory', 'orders', 'payments', 'reviews', 'notifications', 'shipping', 'analytics', 'sandbox'];
  // node refuses --cpu-prof in NODE_OPTIONS: a preload starts the profiler (bench/cpu-prof-preload.cjs).
  const profiled = (name) => (args['cpu-prof'] ? { SG_CPU_PROF_DIR: path.resolve(args['cpu-prof'], name) } : {});
  const profile = args['cpu-prof'] ? `--require ${path.join(root, 'bench', 'cpu-prof-preload.cjs')}` : '';
  let serviceEnv = args['cpu-prof'] ? Object.fromEntries(NAMES.map((n) => [n, { NODE_OPTIONS: profile, ...profiled(n) }])) : undefined;
  if (tracing) {
    const http = await import('node:http');
    spanExports = 0;
    const receiver = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        spanExports++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiver.unref();
    const traced = (name) => ({
      ...profiled(name),
      NODE_OPTIONS: `--require @shopgraph/kit/dist/tracing-preload.js ${profile}`.trim(),
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.address().port}`,
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
    });
    serviceEnv = Object.fromEntries(NAMES.map((n) => [n, traced(n)]));
  }
  return startFaultShop(stack, { logLevel: 'warn', env: serviceEnv });
}

let spanExports = null;

/** CPU seconds (utime+stime) the shop's running children have used so far. */
function shopCpuSeconds(shop) {
  const tick = 100; // CLK_TCK on Linux
  let total = 0;
  for (const service of Object.values(shop.services)) {
    if (!service.pid) continue;
    try {
      const fields = readFileSync(`/proc/${service.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / tick;
    } catch {
      // gone
    }
  }
  return total;
}

const levels = String(args.levels ?? '1,4,16').split(',').map(Number);
const totalOrders = Number(args.orders ?? 400);
const secondsPerLevel = Number(args.seconds ?? 20);
const ORDER_TIMEOUT_MS = 30_000;
const record = process.argv.includes('--record');
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const load = () => os.loadavg()[0].toFixed(1);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const address = { recipient: 'Bench Buyer', line1: '1 Bench Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };
const PLACE_ORDER = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id status } errors { code message } } }';

/** Watches every order of the signed-in buyer; resolves waiters when their order reaches a final status. */
function watchOrders(token) {
  const finals = new Map(); // orderId -> { status, reason, at }
  const waiters = new Map(); // orderId -> resolve
  let failure = null;
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  let subscribed;
  const ready = new Promise((resolve) => (subscribed = resolve));
  client.on('connected', () => setTimeout(() => subscribed(), 200));
  const dispose = client.subscribe(
    { query: 'subscription { myOrderUpdates { status reason version order { id } } }' },
    {
      next: ({ data, errors }) => {
        if (errors) failure = new Error(JSON.stringify(errors));
        const event = data?.myOrderUpdates;
        if (!event || (event.status !== 'CONFIRMED' && event.status !== 'CANCELLED')) return;
        const id = event.order.id;
        if (finals.has(id)) return;
        const final = { status: event.status, reason: event.reason, at: performance.now() };
        finals.set(id, final);
        waiters.get(id)?.(final);
      },
      error: (e) => (failure = e instanceof Error ? e : new Error(JSON.stringify(e))),
      complete: () => undefined,
    },
  );
  return {
    ready,
    /** Resolves with the final event of `orderId` (it may already have arrived). */
    final(orderId) {
      if (failure) return Promise.reject(failure);
      if (finals.has(orderId)) return Promise.resolve(finals.get(orderId));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(orderId);
          reject(new Error(`order ${orderId} not final within ${ORDER_TIMEOUT_MS} ms`));
        }, ORDER_TIMEOUT_MS);
        waiters.set(orderId, (f) => {
          clearTimeout(timer);
          waiters.delete(orderId);
          resolve(f);
        });
      });
    },
    async close() {
      dispose();
      await client.dispose();
    },
  };
}

async function main() {
  const shop = ownShop ? await startOwnShop() : null;
  if (shop) url = shop.gatewayUrl;
  const child = shop ? null : await ensureGateway();
  let watcher = null;
  try {
    const admin = (await gql('mutation { login(input: { email: "admin@shopgraph.local", password: "Admin123!shop" }) { accessToken } }')).login.accessToken;
    const email = `bench-saga-${Date.now()}@example.com`;
    const registered = await gql('mutation($i: RegisterInput!) { register(input: $i) { accessToken errors { message } } }', {
      i: { email, password: 'Bench123!secret', name: 'Bench Buyer' },
    });
    const buyer = registered.register.accessToken;
    if (!buyer) throw new Error(JSON.stringify(registered.register.errors));

    // A product of this run with more stock than the run can sell; wait until inventory and orders know it.
    const stock = totalOrders + 100;
    const sku = `BENCH-SAGA-${Date.now()}`;
    const created = await gql(
      'mutation($input: CreateProductInput!) { createProduct(input: $input) { product { id } errors { message } } }',
      { input: { sku, name: `Bench saga ${sku}`, description: 'Created by bench/saga.mjs', categorySlug: 'books', price: 1299, initialStock: stock } },
      admin,
    );
    const productId = created.createProduct.product?.id;
    if (!productId) throw new Error(JSON.stringify(created.createProduct.errors));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { product } = await gql('query($id: ID) { product(id: $id) { stock { onHand } } }', { id: productId });
      const cart = product?.stock.onHand === stock ? await gql('mutation($p: ID!) { addToCart(productId: $p) { errors { code } } }', { p: productId }, admin) : null;
      if (cart?.addToCart.errors.length === 0) break;
      if (Date.now() > deadline) throw new Error('the product never became orderable');
      await sleep(50);
    }
    await gql('mutation($p: ID!) { removeFromCart(productId: $p) { errors { code } } }', { p: productId }, admin);

    watcher = watchOrders(buyer);
    await watcher.ready;
    const placeAndConfirm = async () => {
      const t0 = performance.now();
      const data = await gql(
        PLACE_ORDER,
        { input: { idempotencyKey: randomUUID(), items: [{ productId, quantity: 1 }], shippingAddress: address, paymentToken: 'tok_visa' } },
        buyer,
      );
      const order = data.placeOrder.order;
      if (!order) throw new Error(JSON.stringify(data.placeOrder.errors));
      const placedMs = performance.now() - t0;
      const final = await watcher.final(order.id);
      return { status: final.status, reason: final.reason, placedMs, totalMs: final.at - t0 };
    };

    console.log(`[bench] ${url}; ramp ${levels.join(', ')} in-flight orders; at most ${totalOrders} orders and ${secondsPerLevel}s per level in all`);
    for (let i = 0; i < 5; i++) await placeAndConfirm(); // warm-up

    const weight = levels.reduce((a, b) => a + b, 0);
    const all = [];
    const rates = [];
    const rows = [];
    const startedAt = new Date();
    const loadBefore = load();
    for (const inFlight of levels) {
      const cap = Math.max(inFlight * 5, Math.floor((totalOrders * inFlight) / weight));
      const samples = [];
      const placed = [];
      const other = [];
      let started = 0;
      const cpu0 = shop ? shopCpuSeconds(shop) : 0;
      const t0 = performance.now();
      const stopAt = t0 + secondsPerLevel * 1000;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (started < cap && performance.now() < stopAt) {
            started++;
            const r = await placeAndConfirm();
            if (r.status === 'CONFIRMED') {
              samples.push(r.totalMs);
              placed.push(r.placedMs);
            } else other.push(`${r.status}(${r.reason})`);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const rate = samples.length / seconds;
      rates.push([inFlight, rate]);
      all.push(...samples);
      const sorted = [...samples].sort((a, b) => a - b);
      rows.push(
        `| ${inFlight} | ${samples.length} | ${seconds.toFixed(1)} | ${rate.toFixed(1)} | ${sorted.length ? pct(sorted, 50).toFixed(1) : '–'} | ${sorted.length ? pct(sorted, 95).toFixed(1) : '–'} | ${sorted.length ? pct(sorted, 99).toFixed(1) : '–'} | ${other.length} |`,
      );
      report(`${inFlight} in flight: placeOrder → CONFIRMED`, samples);
      report(`${inFlight} in flight: placeOrder response`, placed);
      const cpuPerOrder = shop && samples.length ? ((shopCpuSeconds(shop) - cpu0) * 1000) / samples.length : null;
      console.log(
        `${''.padEnd(40)} ${samples.length} confirmed in ${seconds.toFixed(1)}s = ${rate.toFixed(1)} confirmed orders/s${cpuPerOrder !== null ? `; shop CPU ${cpuPerOrder.toFixed(0)} ms per confirmed order` : ''}${other.length ? `; not confirmed: ${other.join(', ')}` : ''}`,
      );
    }
    report('all levels: placeOrder → CONFIRMED', all);
    const [bestLevel, bestRate] = rates.reduce((best, r) => (r[1] > best[1] ? r : best));
    console.log(`[bench] highest sustained rate: ${bestRate.toFixed(1)} confirmed orders/s at ${bestLevel} in flight`);
    if (spanExports !== null) console.log(`[bench] tracing on: ${spanExports} OTLP export requests received (and dropped)`);
    if (record) {
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'packages', 'subgraphs', 'gateway/src', 'bench'], { cwd: root, encoding: 'utf8' }).trim() ? '+uncommitted' : '';
      const block = [
        '',
        `### Saga: placeOrder → CONFIRMED — ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, commit ${commit}${dirty}`,
        '',
        `**Command:** \`node bench/saga.mjs ${process.argv.slice(2).join(' ')}\`${shop ? ' (a namespaced shop of its own on the shared local stack)' : ''}. **Machine:** ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}; load average ${loadBefore} → ${load()}.`,
        '',
        '| in flight | confirmed | seconds | confirmed orders/s | p50 ms | p95 ms | p99 ms | not confirmed |',
        '|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
        '',
        `highest sustained rate: ${bestRate.toFixed(1)} confirmed orders/s at ${bestLevel} in flight`,
        '',
      ].join('\n');
      recordInResults('## Throughput (issue 10)', block);
      console.log('[bench] recorded in bench/RESULTS.md');
    }
    await gql('mutation($id: ID!) { archiveProduct(id: $id) { errors { message } } }', { id: productId }, admin);
  } finally {
    await watcher?.close().catch(() => undefined);
    child?.kill('SIGINT');
    await shop?.stop();
  }
}

// --replicas N: one vs N replicas of orders, inventory and payments (bench/saga-replicas.mjs: each
// on a shop of the fault harness's private stack, measured by this script against its gateway).
(args.replicas ? import('./saga-replicas.mjs').then((m) => m.run(args)) : main()).catch((error) => {
  console.error(`[bench] ${error.message}`);
  process.exit(1);
});
