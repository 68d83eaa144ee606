#!/usr/bin/env node
// Live order tracking under load: event → subscriber latency (p50/p99) with many graphql-ws
// subscribers at a steady event rate, and the gateway's memory per idle websocket.
// Self-contained and loopback only: starts the subgraphs (users, products, inventory, orders,
// payments + the payment sandbox) in one child process on throwaway databases and Kafka topics,
// and the gateway (gateway/dist/index.js) in another, so the gateway's RSS is its own.
// Bounded: fixed subscriber count, event rate and duration; everything is stopped at the end.
//   node bench/subscriptions.mjs [--subscribers 1000] [--orders 100] [--rate 20] [--seconds 20] [--idle 1000]
// Events are OrderStatusChanged envelopes produced through the real contract onto the real
// (namespaced) orders.v1 topic for real orders, so what is measured is the gateway's path:
// Kafka → feed → hub → per-subscriber query through the supergraph → socket → client.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { args } from './lib.mjs';

const self = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(self), '..');
const require = createRequire(path.join(root, 'gateway', 'package.json'));
const SECRET = 'shopgraph-bench-internal-token-secret';
const SUBGRAPHS = ['users', 'products', 'inventory', 'orders', 'payments'];

if (args.role === 'services') await runServices();
else await main();

/** Child process: every subgraph on fresh stores; prints their URLs as one JSON line; stops on SIGTERM. */
async function runServices() {
  const { createTestDatabase, stackEnv, testDatabaseName, uniqueId } = require('@shopgraph/testkit');
  const { createUsersService, loadUsersConfig, seedUsers } = require('@shopgraph/users');
  const { createProductsService, loadProductsConfig, seedProducts } = require('@shopgraph/products');
  const { createInventoryService, loadInventoryConfig } = require('@shopgraph/inventory');
  const { createOrdersService, loadOrdersConfig } = require('@shopgraph/orders');
  const { createPaymentsService, loadPaymentsConfig } = require('@shopgraph/payments');
  const { createSandboxProvider } = require('@shopgraph/payment-sandbox');
  const { composeSupergraph } = require('./dist/compose.js');
  const common = { NODE_ENV: 'test', SG_NAMESPACE: process.env.SG_NAMESPACE, LOG_LEVEL: 'warn', PORT: '0', INTERNAL_TOKEN_SECRET: SECRET, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(',') };
  const group = (name) => ({ KAFKA_GROUP_ID: uniqueId(`bench-${name}`), KAFKA_FROM_BEGINNING: 'false' });
  const started = [];
  const cleanups = [];
  const stop = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    for (const c of cleanups) await c().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    const db = {};
    for (const name of ['users', 'inventory', 'orders', 'payments']) {
      db[name] = await createTestDatabase(`bench_${name}`);
      cleanups.push(db[name].drop);
    }
    const urls = {};
    const sandbox = createSandboxProvider({ port: 0 });
    const sandboxUrl = (await sandbox.start()).url;
    started.push(sandbox);
    const users = await createUsersService(loadUsersConfig({ ...common, DATABASE_URL: db.users.url, REDIS_URL: stackEnv.redisUrl }));
    started.push(users);
    urls.users = (await users.start()).url;
    await seedUsers(users.dataSource);
    const inventory = await createInventoryService(loadInventoryConfig({ ...common, DATABASE_URL: db.inventory.url, ...group('inventory') }));
    started.push(inventory);
    urls.inventory = (await inventory.start()).url;
    const orders = await createOrdersService(
      loadOrdersConfig({ ...common, DATABASE_URL: db.orders.url, REDIS_URL: stackEnv.redisUrl, CART_KEY_PREFIX: uniqueId('bench-cart'), ...group('orders') }),
    );
    started.push(orders);
    urls.orders = (await orders.start()).url;
    const payments = await createPaymentsService(loadPaymentsConfig({ ...common, DATABASE_URL: db.payments.url, PROVIDER_URL: sandboxUrl, ...group('payments') }));
    started.push(payments);
    urls.payments = (await payments.start()).url;
    const products = await createProductsService(loadProductsConfig({ ...common, MONGO_URL: stackEnv.mongoUrl, MONGO_DB: testDatabaseName('bench_products'), REDIS_URL: stackEnv.redisUrl }));
    started.push(products);
    cleanups.unshift(() => products.db.dropDatabase());
    await seedProducts(products.db);
    urls.products = (await products.start()).url;

    const dir = mkdtempSync(path.join(tmpdir(), 'bench-supergraph-'));
    writeFileSync(
      path.join(dir, 'supergraph.yaml'),
      `federation_version: =2.14.4\nsubgraphs:\n${SUBGRAPHS.map((n) => `  ${n}:\n    routing_url: ${urls[n]}\n    schema:\n      file: ${path.join(root, 'schema', `${n}.graphql`)}\n`).join('')}`,
    );
    const supergraphPath = path.join(dir, 'supergraph.graphql');
    writeFileSync(supergraphPath, composeSupergraph(path.join(dir, 'supergraph.yaml')).supergraphSdl);
    process.stdout.write(`${JSON.stringify({ urls, supergraphPath })}\n`);
  } catch (error) {
    console.error(error);
    await stop();
  }
}

async function main() {
  const subscribers = Number(args.subscribers ?? 1000);
  const orderCount = Number(args.orders ?? 100);
  const rate = Number(args.rate ?? 20);
  const seconds = Number(args.seconds ?? 20);
  const idle = Number(args.idle ?? 1000);
  // The bench's own namespace (topics, groups, keys, databases), inherited by the services and the gateway.
  const namespace = `bench${Date.now().toString(36)}`;
  process.env.SG_NAMESPACE = namespace;
  process.env.SG_TEST_NAMESPACE = namespace;
  const prefix = `${namespace}.`;
  const { Namespace } = require('@shopgraph/kit');
  const { createClient } = require('graphql-ws');
  const WebSocket = require('ws');
  const { createEvent, createKafka, createProducer, publish } = require('@shopgraph/events');
  const { createLogger } = require('@shopgraph/kit');
  const { demoProducts } = require('@shopgraph/demo-data');

  const children = [];
  const killAll = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  const guard = setTimeout(() => {
    console.error('[bench] took longer than 6 minutes; stopping');
    killAll();
    process.exit(1);
  }, 6 * 60_000);
  process.on('SIGINT', () => {
    killAll();
    process.exit(1);
  });

  console.log(`[bench] starting subgraphs (topic prefix ${prefix})…`);
  const services = spawn(process.execPath, [self, '--role', 'services'], { cwd: path.join(root, 'gateway'), env: { ...process.env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(services);
  const { urls, supergraphPath } = await new Promise((resolve, reject) => {
    let buffer = '';
    services.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.startsWith('{"urls"'));
      if (line) resolve(JSON.parse(line));
    });
    services.once('exit', (code) => reject(new Error(`services exited with ${code}`)));
  });

  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const gateway = spawn(process.execPath, [path.join(root, 'gateway/dist/index.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      PORT: String(port),
      INTERNAL_TOKEN_SECRET: SECRET,
      SUPERGRAPH_PATH: supergraphPath,
      JWKS_URL: new URL('/.well-known/jwks.json', urls.users).toString(),
      ...Object.fromEntries(SUBGRAPHS.map((n) => [`${n.toUpperCase()}_SUBGRAPH_URL`, urls[n]])),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(gateway);
  await until(async () => (await fetch(new URL('/health/ready', url)).catch(() => null))?.ok, 60_000, 'gateway ready');
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${gateway.pid}/status`, 'utf8'))[1]) * 1024;

  const gql = async (query, variables = {}, token) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    return res.json();
  };
  const login = await gql('mutation($i: LoginInput!) { login(input: $i) { accessToken user { id } } }', { i: { email: 'alice@shopgraph.local', password: 'Customer123!' } });
  const token = login.data.login.accessToken;
  const customerId = login.data.login.user.id;
  const product = demoProducts.find((p) => p.initialStock >= 100);
  await until(
    async () => (await gql('mutation($p: ID!) { addToCart(productId: $p, quantity: 1) { errors { code } } }', { p: product.id }, token)).data?.addToCart.errors.length === 0,
    60_000,
    'product replica',
  );
  await until(async () => (await gql('query($id: ID!) { product(id: $id) { stock { onHand } } }', { id: product.id })).data?.product?.stock?.onHand > 0, 60_000, 'stock');

  console.log(`[bench] placing ${orderCount} orders through the saga…`);
  const orderIds = [];
  for (let i = 0; i < orderCount; i += 10) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(10, orderCount - i) }, () =>
        gql(
          'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { message } } }',
          { input: { idempotencyKey: randomUUID(), items: [{ productId: product.id, quantity: 1 }], shippingAddress: { recipient: 'Alice', line1: '1 Bench Rd', city: 'London', postalCode: 'N1', country: 'GB' }, paymentToken: 'tok_visa' } },
          token,
        ),
      ),
    );
    orderIds.push(...batch.map((r) => r.data.placeOrder.order.id));
  }
  await until(
    async () => {
      const states = await Promise.all(orderIds.map((id) => gql('query($id: ID!) { order(id: $id) { version } }', { id }, token)));
      return states.every((s) => s.data?.order?.version === 3);
    },
    120_000,
    'orders confirmed',
  );

  const clients = [];
  const connectClient = (lazy) =>
    createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy, keepAlive: 0 });

  // Memory per idle connection: acknowledged sockets without subscriptions.
  await sleep(2000);
  const rssBefore = rss();
  const idleClients = [];
  const connected = [];
  for (let i = 0; i < idle; i++) {
    const client = connectClient(false);
    idleClients.push(client);
    connected.push(new Promise((resolve, reject) => {
      client.on('connected', resolve);
      client.on('closed', (e) => reject(new Error(`idle socket closed: ${e.code}`)));
    }));
    if (i % 100 === 99) await sleep(20);
  }
  await Promise.all(connected);
  await sleep(3000);
  const rssIdle = rss();
  await Promise.all(idleClients.map((c) => c.dispose()));
  await sleep(2000);

  // Subscribers: orderStatusChanged on orders round-robin, each on its own socket.
  console.log(`[bench] ${subscribers} subscribers on ${orderCount} orders…`);
  const perOrder = Math.ceil(subscribers / orderCount);
  const samples = [];
  let received = 0;
  let errors = 0;
  const rssSubsBefore = rss();
  const t0 = performance.now();
  const ready = [];
  for (let i = 0; i < subscribers; i++) {
    const client = connectClient(true);
    clients.push(client);
    ready.push(
      new Promise((resolve) => {
        let first = true;
        client.subscribe(
          { query: 'subscription($id: ID!) { orderStatusChanged(orderId: $id) { version status at order { id status number } } }', variables: { id: orderIds[i % orderCount] } },
          {
            next: (m) => {
              if (m.errors) errors += 1;
              if (first) {
                first = false;
                resolve();
                return;
              }
              const e = m.data?.orderStatusChanged;
              if (!e) return;
              received += 1;
              samples.push(Date.now() - Date.parse(e.at));
            },
            error: () => {
              errors += 1;
              resolve();
            },
            complete: () => undefined,
          },
        );
      }),
    );
  }
  await Promise.all(ready);
  const subscribeSeconds = (performance.now() - t0) / 1000;
  await sleep(2000);
  const rssSubs = rss();

  // A steady stream of OrderStatusChanged, round-robin over the orders, each the next version.
  const kafka = createKafka(['127.0.0.1:9092'], 'bench', createLogger('bench', 'warn'));
  const producer = await createProducer(kafka);
  const versions = new Map(orderIds.map((id) => [id, 3]));
  const total = rate * seconds;
  console.log(`[bench] producing ${total} events at ${rate}/s for ${seconds}s (each to ${perOrder} subscribers)…`);
  const start = Date.now();
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    const orderId = orderIds[n % orderCount];
    const version = versions.get(orderId) + 1;
    versions.set(orderId, version);
    const status = version % 2 === 0 ? 'SHIPPED' : 'DELIVERED';
    const at = new Date().toISOString();
    await publish(producer, [
      createEvent('OrderStatusChanged', orderId, { orderId, customerId, status, previousStatus: status === 'SHIPPED' ? 'DELIVERED' : 'SHIPPED', reason: null, version, at, items: [{ productId: product.id, quantity: 1 }] }, { source: 'bench' }),
    ], new Namespace(namespace));
  }
  const expected = Array.from({ length: total }, (_, n) => n % orderCount).reduce((sum, i) => sum + clients.filter((_, c) => c % orderCount === i).length, 0);
  await until(async () => received >= expected, 30_000, 'deliveries').catch(() => undefined);
  const metrics = await (await fetch(new URL('/metrics', url))).text();
  await producer.disconnect();

  const sorted = samples.sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  console.log('');
  console.log(`subscribers                     ${subscribers} (one socket each, ${perOrder} per order, ${orderCount} orders)`);
  console.log(`subscribe + initial state       ${subscribeSeconds.toFixed(1)} s for all`);
  console.log(`events                          ${total} at ${rate}/s → ${expected} deliveries expected, ${received} received, ${errors} errors`);
  console.log(`event → subscriber latency      p50=${pct(50)}ms  p95=${pct(95)}ms  p99=${pct(99)}ms  max=${sorted[sorted.length - 1]}ms`);
  console.log(`gateway RSS                     ${mb(rssBefore)} baseline`);
  console.log(`per idle connection             ${((rssIdle - rssBefore) / idle / 1024).toFixed(1)} KB (RSS +${mb(rssIdle - rssBefore)} for ${idle} acknowledged sockets)`);
  console.log(`per subscribed connection       ${((rssSubs - rssSubsBefore) / subscribers / 1024).toFixed(1)} KB (RSS +${mb(rssSubs - rssSubsBefore)} for ${subscribers} sockets with one subscription)`);
  const line = (name) => metrics.split('\n').find((l) => l.startsWith(name));
  console.log(`gateway-side histogram          ${line('subscription_event_delivery_seconds_count')}, ${line('subscription_event_delivery_seconds_sum')}`);

  await Promise.all(clients.map((c) => c.dispose()));
  gateway.kill('SIGTERM');
  await new Promise((r) => gateway.once('exit', r));
  services.kill('SIGTERM');
  await new Promise((r) => services.once('exit', r));
  clearTimeout(guard);
  process.exit(0);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await probe()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`[bench] timed out waiting for ${what}`);
    await sleep(200);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
