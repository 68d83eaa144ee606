#!/usr/bin/env node
// The analytics fold: how many events per second it folds, how long the reports take over a month
// of figures, and how fresh they are. Runs on the local stack (`npm run stack -- up`) in a
// namespace of its own (topics, groups, databases), which it deletes afterwards; needs a build
// (`npx turbo run build --filter=@shopgraph/analytics...`). Prints figures, asserts nothing.
//   node bench/analytics.mjs [--events 100000] [--batch 500] [--replay 10000] [--fresh 100]
// 1. In process: --events synthetic events (orders placed/confirmed/cancelled/refunded, carts,
//    payments; 30 days, 200 products, shuffled) folded by FiguresStore.fold in batches of --batch
//    into an empty database (inbox + upserts, one transaction per batch), then the same events
//    again (every one a duplicate: the inbox's cost alone).
// 2. Through Kafka: the first --replay of those events (0: skip; all of them: the figures are
//    compared with the in-process fold's) published to the namespace's orders.v1 and payments.v1,
//    then a brand-new analytics service (one consumer, one transaction and one offset commit per
//    event, as it runs in production) replays them from the beginning into an empty database.
// 3. Reports over the month: salesReport DAY and HOUR, topProducts, checkoutFunnel (query-time roll-up).
// 4. Freshness: --fresh orders confirmed one after another (events published to Kafka now);
//    time from the CONFIRMED event's publication until salesReport shows it.
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { args, report, root } from './lib.mjs';

process.env.SG_TEST_NAMESPACE ??= `tbench_${randomBytes(3).toString('hex')}`;
const require = createRequire(path.join(root, 'subgraphs', 'analytics', 'package.json'));
const { createAnalyticsService, loadAnalyticsConfig } = require('@shopgraph/analytics');
const { createKafka, createProducer, ensureTopics, publish, topicsIn } = require('@shopgraph/events');
const { createLogger } = require('@shopgraph/kit');
const { createTestDatabase, namespaceEnv, stackEnv, testNamespace, TEST_INTERNAL_PUBLIC_KEYS } = require('@shopgraph/testkit');

const EVENTS = Number(args.events ?? 100_000);
const BATCH = Number(args.batch ?? 500);
const FRESH = Number(args.fresh ?? 100);
const REPLAY = Math.min(Number(args.replay ?? 10_000), EVENTS);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ns = testNamespace();
const topics = topicsIn(ns);
const cleanups = [];

function envelope(type, aggregateId, payload, at) {
  const id = randomUUID();
  return { id, type, version: 1, occurredAt: at, source: 'bench', aggregateId, correlationId: id, causationId: null, traceparent: null, payload };
}
const address = { recipient: 'B', line1: '1 Bench St', line2: null, city: 'London', region: null, postalCode: 'N1', country: 'GB' };
const products = Array.from({ length: 200 }, (_, i) => ({ id: `bench-product-${i}`, price: 500 + ((i * 137) % 20_000) }));
let seed = 42;
const rand = (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff), seed % n);

/** One order's events (a cart, placed, then confirmed with payment / cancelled / confirmed then refunded). */
function story(atMs) {
  const orderId = randomUUID();
  const customerId = randomUUID();
  const lines = Array.from({ length: 1 + rand(3) }, () => {
    const p = products[rand(products.length) ** 2 % products.length];
    return { productId: p.id, name: p.id, unitPrice: p.price, quantity: 1 + rand(3) };
  });
  const total = lines.reduce((s, l) => s + l.unitPrice * l.quantity, 0);
  const items = lines.map((l) => ({ productId: l.productId, quantity: l.quantity }));
  const summary = { number: orderId.slice(0, 8), currency: 'USD', subtotal: total, total, lines, shippingAddress: address };
  let version = 0;
  const change = (status, previousStatus, offset, reason = null) => {
    const at = new Date(atMs + offset).toISOString();
    return envelope('OrderStatusChanged', orderId, { orderId, customerId, status, previousStatus, reason, version: ++version, at, items, summary }, at);
  };
  const out = [envelope('CartCreated', customerId, { customerId, productId: lines[0].productId, at: new Date(atMs - 60_000).toISOString() }, new Date(atMs - 60_000).toISOString()), change('PENDING', null, 0)];
  const fate = rand(10);
  if (fate === 0) return [...out, change('CANCELLED', 'PENDING', 500, 'OUT_OF_STOCK')];
  const paymentId = randomUUID();
  out.push(change('AWAITING_PAYMENT', 'PENDING', 500));
  if (fate === 1) return [...out, change('CANCELLED', 'AWAITING_PAYMENT', 1500, 'PAYMENT_DECLINED')];
  out.push(envelope('PaymentCaptured', orderId, { orderId, paymentId, amount: { amount: total, currency: 'USD' } }, new Date(atMs + 1000).toISOString()));
  out.push(change('CONFIRMED', 'AWAITING_PAYMENT', 1500));
  if (fate === 2) {
    out.push(change('CANCELLED', 'CONFIRMED', 3_600_000, 'CUSTOMER_REQUEST'));
    out.push(envelope('PaymentRefunded', orderId, { orderId, paymentId, amount: { amount: total, currency: 'USD' } }, new Date(atMs + 3_601_000).toISOString()));
  }
  return out;
}

const MONTH_START = Date.parse('2026-10-01T00:00:00Z');
const MONTH_MS = 30 * 86_400_000;
function history(count) {
  const events = [];
  while (events.length < count) events.push(...story(MONTH_START + rand(MONTH_MS / 1000) * 1000));
  events.length = count;
  for (let i = events.length - 1; i > 0; i--) {
    const j = rand(i + 1);
    [events[i], events[j]] = [events[j], events[i]];
  }
  return events;
}

async function service(extra = {}) {
  const db = await createTestDatabase('bench_analytics');
  cleanups.push(db.drop);
  const s = await createAnalyticsService(
    loadAnalyticsConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...namespaceEnv(),
      PORT: '0',
      DATABASE_URL: db.url,
      KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
      KAFKA_GROUP_ID: `bench-analytics-${randomBytes(3).toString('hex')}`,
      INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
      // A loaded machine (other builds and tests): wider deadlines than a service's defaults.
      PG_CONNECT_TIMEOUT_MS: '5000',
      PG_STATEMENT_TIMEOUT_MS: '30000',
      ...extra,
    }),
  );
  cleanups.unshift(() => s.stop());
  await s.start();
  return s;
}
const inbox = async (s) => {
  for (;;) {
    try {
      return Number((await s.dataSource.query('SELECT count(*)::int AS n FROM inbox'))[0].n);
    } catch {
      await sleep(200); // a connection deadline on a loaded machine: ask again
    }
  }
};
const rate = (n, ms) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')} events/s`;

async function main() {
  console.log(`analytics bench: ${EVENTS.toLocaleString('en-US')} events, namespace ${ns.name}`);
  const events = history(EVENTS);

  // 1. In process, batched.
  const inProcess = await service({ CONSUMERS: '' });
  let t = performance.now();
  for (let i = 0; i < events.length; i += BATCH) await inProcess.figures.fold(events.slice(i, i + BATCH));
  const foldMs = performance.now() - t;
  console.log(`fold, in process, batches of ${BATCH}:         ${rate(events.length, foldMs)} (${(foldMs / 1000).toFixed(1)} s; ${await inbox(inProcess)} inbox rows)`);
  t = performance.now();
  for (let i = 0; i < events.length; i += BATCH) await inProcess.figures.fold(events.slice(i, i + BATCH));
  const dupMs = performance.now() - t;
  console.log(`same events again (all duplicates):        ${rate(events.length, dupMs)} (${(dupMs / 1000).toFixed(1)} s; ${await inbox(inProcess)} inbox rows)`);
  const sizes = await inProcess.dataSource.query(
    `SELECT (SELECT count(*) FROM sales_minute)::int AS minutes, (SELECT count(*) FROM product_sales_minute)::int AS product_minutes, pg_size_pretty(pg_database_size(current_database())) AS size`,
  );
  console.log(`figures: ${sizes[0].minutes} minute rows, ${sizes[0].product_minutes} product-minute rows, database ${sizes[0].size}`);

  // 3. Reports over the month (query-time roll-up of the minute rows).
  const from = new Date(MONTH_START);
  const to = new Date(MONTH_START + MONTH_MS + 86_400_000);
  for (const [name, run] of [
    ['salesReport DAY (31 buckets)', () => inProcess.reports.salesReport(from, to, 'DAY')],
    ['salesReport HOUR (744 buckets)', () => inProcess.reports.salesReport(from, to, 'HOUR')],
    ['topProducts first 10', () => inProcess.reports.topProducts(from, to, 10)],
    ['checkoutFunnel', () => inProcess.reports.checkoutFunnel(from, to)],
  ]) {
    const samples = [];
    for (let i = 0; i < 20; i++) {
      const s = performance.now();
      await run();
      samples.push(performance.now() - s);
    }
    report(`query: ${name}, over the month`, samples);
  }

  const log = createLogger('bench-analytics', 'warn');
  const kafka = createKafka(stackEnv.kafkaBrokers, 'bench-analytics', log);
  await ensureTopics(kafka, [topics.orders, topics.payments]);
  const producer = await createProducer(kafka);
  cleanups.push(async () => {
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topics.orders, topics.payments] }).catch(() => undefined);
    await admin.disconnect();
  });

  // 2. Through Kafka: publish, then replay from the beginning into an empty database.
  let consumer;
  if (REPLAY > 0) {
    const replayed = events.slice(0, REPLAY);
    for (let i = 0; i < replayed.length; i += 2000) await publish(producer, replayed.slice(i, i + 2000), ns);
    t = performance.now();
    consumer = await service();
    const startMs = performance.now() - t;
    let last = -1;
    for (;;) {
      const n = await inbox(consumer);
      if (n >= replayed.length) break;
      if (n !== last) last = n;
      await sleep(250);
    }
    const replayMs = performance.now() - t;
    console.log(`replay from Kafka, one consumer (per event): ${rate(replayed.length, replayMs)} (${replayed.length} events, ${(replayMs / 1000).toFixed(1)} s incl. ${(startMs / 1000).toFixed(1)} s start)`);
    if (REPLAY === EVENTS) {
      const same = JSON.stringify(await consumer.reports.salesReport(from, to, 'DAY')) === JSON.stringify(await inProcess.reports.salesReport(from, to, 'DAY'));
      console.log(`replayed figures equal the in-process fold's: ${same}`);
    }
  } else {
    consumer = await service();
  }

  // 4. Freshness: a confirmed order's way from Kafka into salesReport.
  const samples = [];
  for (let i = 0; i < FRESH; i++) {
    const now = Date.now();
    const window = [new Date(now - 3_600_000), new Date(now + 3_600_000)];
    const confirmed = async () => (await consumer.reports.salesReport(window[0], window[1], 'DAY')).reduce((s, b) => s + b.ordersConfirmed, 0);
    const before = await confirmed();
    const order = story(now).filter((e) => e.type === 'OrderStatusChanged' && e.payload.status === 'CONFIRMED');
    if (order.length === 0) {
      i--;
      continue;
    }
    order[0].payload.at = new Date(now).toISOString();
    const sent = performance.now();
    await publish(producer, order, ns);
    while ((await confirmed()) === before) await sleep(5);
    samples.push(performance.now() - sent);
  }
  report('freshness: CONFIRMED published -> salesReport', samples);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
    setTimeout(() => process.exit(), 500).unref();
  });
