import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createKafka, createProducer, ensureTopics, publish, topicsIn, type EventEnvelope } from '@shopgraph/events';
import { createLogger, type Viewer } from '@shopgraph/kit';
import { createTestDatabase, eventually, gql, internalHeaders, CONTENDED_DEADLINES_ENV, namespaceEnv, stackEnv, testGroupId, testNamespace, TEST_INTERNAL_PUBLIC_KEYS, type GraphQLResponse } from '@shopgraph/testkit';
import { createAnalyticsService, loadAnalyticsConfig, type AnalyticsService } from '../src/server';
import { envelope, orderStory, shuffle } from './synthetic';

// The fold on the real stack: synthetic histories published to this file's orders.v1 and
// payments.v1 (shuffled, with duplicates and late events), consumed by the real service from the
// beginning; exact figures through its GraphQL API; a second service replays the same topics into
// an empty database and must show exactly the same figures.

jest.setTimeout(180_000);

const ns = testNamespace();
const topics = topicsIn(ns);
const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };
const customer: Viewer = { id: randomUUID(), role: 'CUSTOMER' };
const DAY = Date.parse('2026-03-10T00:00:00.000Z');
const min = (m: number) => DAY + m * 60_000;
const [lamp, desk, chair] = ['prod-lamp', 'prod-desk', 'prod-chair'];

let producer: Producer;
const services: AnalyticsService[] = [];
const drops: (() => Promise<void>)[] = [];

async function startAnalytics(): Promise<{ service: AnalyticsService; url: string }> {
  const db = await createTestDatabase('analytics');
  drops.push(db.drop);
  const config = loadAnalyticsConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    ...namespaceEnv(),
    ...CONTENDED_DEADLINES_ENV,
    PORT: '0',
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_GROUP_ID: testGroupId('analytics'),
    INTERNAL_TOKEN_PUBLIC_KEYS: TEST_INTERNAL_PUBLIC_KEYS,
  });
  const service = await createAnalyticsService(config);
  services.push(service);
  const { url } = await service.start();
  return { service, url: `${url.replace(/\/graphql$/, '')}/graphql` };
}

const call = async (url: string, query: string, variables: Record<string, unknown>, viewer: Viewer | null = admin): Promise<GraphQLResponse> =>
  gql(url, query, variables, await internalHeaders('analytics', viewer));

const REPORT = `query ($from: DateTime!, $to: DateTime!, $interval: ReportInterval!) {
  salesReport(from: $from, to: $to, interval: $interval) { start end ordersPlaced ordersConfirmed ordersCancelled itemsSold
    revenue { amount currency } refunds { amount } netRevenue { amount } averageOrderValue { amount } } }`;
const EVERYTHING = `query ($from: DateTime!, $to: DateTime!) {
  hours: salesReport(from: $from, to: $to, interval: HOUR) { start end ordersPlaced ordersConfirmed ordersCancelled itemsSold revenue { amount } refunds { amount } netRevenue { amount } averageOrderValue { amount } }
  top: topProducts(from: $from, to: $to, first: 5) { product { id } unitsSold revenue { amount currency } }
  funnel: checkoutFunnel(from: $from, to: $to) { cartsCreated ordersPlaced ordersConfirmed conversionRate }
  cancellations(from: $from, to: $to) { reason count } }`;
const RANGE = { from: new Date(min(0)).toISOString(), to: new Date(min(240)).toISOString() };

const inboxCount = async (service: AnalyticsService) => Number((await service.dataSource.query('SELECT count(*)::int AS n FROM inbox'))[0].n);

// Four orders in the first hour, one (late) in the second, plus a payment in another currency.
const stories = [
  orderStory({ at: min(1) + 10_000, lines: [{ productId: lamp, unitPrice: 2000, quantity: 2 }, { productId: desk, unitPrice: 10000, quantity: 1 }], outcome: 'CONFIRMED' }),
  orderStory({ at: min(1) + 40_000, lines: [{ productId: lamp, unitPrice: 2000, quantity: 1 }], outcome: 'CONFIRMED' }),
  orderStory({ at: min(3), lines: [{ productId: chair, unitPrice: 5000, quantity: 1 }], outcome: { cancelled: 'OUT_OF_STOCK' } }),
  orderStory({ at: min(59) + 30_000, lines: [{ productId: chair, unitPrice: 5000, quantity: 2 }], outcome: { refundedAfterConfirm: 'CUSTOMER_REQUEST' } }),
];
const late = orderStory({ at: min(75), lines: [{ productId: desk, unitPrice: 10000, quantity: 3 }], outcome: 'CONFIRMED' });
const foreign = envelope('PaymentCaptured', 'o-eur', { orderId: 'o-eur', paymentId: 'p-eur', amount: { amount: 777, currency: 'EUR' } }, new Date(min(2)).toISOString());
const history: EventEnvelope[] = [...stories.flat(), foreign];
const uniqueCount = history.length + late.length;

beforeAll(async () => {
  const kafka = createKafka(stackEnv.kafkaBrokers, 'analytics-test', createLogger('analytics-test', 'silent'));
  await ensureTopics(kafka, [topics.orders, topics.payments]);
  producer = await createProducer(kafka);
  // Shuffled (a confirmation before its placement, a refund before its capture), and every third event twice.
  const sent = shuffle(history);
  await publish(producer, [...sent, ...sent.filter((_, i) => i % 3 === 0)], ns);
});

afterAll(async () => {
  for (const s of services) await s.stop();
  await producer?.disconnect();
  for (const drop of drops) await drop().catch(() => undefined);
});

describe('analytics fold and reports', () => {
  let first: { service: AnalyticsService; url: string };

  it('folds a shuffled history with duplicates into exact figures, by the events\' own time', async () => {
    first = await startAnalytics();
    await eventually(async () => ((await inboxCount(first.service)) === history.length ? true : undefined), 60_000, 200);
    const res = await call(first.url, REPORT, { from: new Date(min(0)).toISOString(), to: new Date(min(4)).toISOString(), interval: 'MINUTE' });
    expect(res.body.errors).toBeUndefined();
    const zero = { ordersPlaced: 0, ordersConfirmed: 0, ordersCancelled: 0, itemsSold: 0, revenue: { amount: 0, currency: 'USD' }, refunds: { amount: 0 }, netRevenue: { amount: 0 }, averageOrderValue: null };
    expect(res.body.data!.salesReport).toEqual([
      { ...zero, start: new Date(min(0)).toISOString(), end: new Date(min(1)).toISOString() },
      // Two orders placed, paid and confirmed within minute 1: 2×2000 + 10000 and 2000 (the EUR payment is not in USD figures).
      {
        ...zero,
        start: new Date(min(1)).toISOString(),
        end: new Date(min(2)).toISOString(),
        ordersPlaced: 2,
        ordersConfirmed: 2,
        itemsSold: 4,
        revenue: { amount: 16000, currency: 'USD' },
        netRevenue: { amount: 16000 },
        averageOrderValue: { amount: 8000 },
      },
      { ...zero, start: new Date(min(2)).toISOString(), end: new Date(min(3)).toISOString() },
      { ...zero, start: new Date(min(3)).toISOString(), end: new Date(min(4)).toISOString(), ordersPlaced: 1, ordersCancelled: 1 },
    ]);

    const all = (await call(first.url, EVERYTHING, RANGE)).body.data!;
    expect(all.hours).toHaveLength(4);
    expect(all.hours[0]).toMatchObject({ ordersPlaced: 4, ordersConfirmed: 3, ordersCancelled: 1, itemsSold: 6, revenue: { amount: 26000 }, refunds: { amount: 0 }, averageOrderValue: { amount: Math.round(26000 / 3) } });
    // The refund and the cancellation after confirmation happened two minutes later, in the next hour.
    expect(all.hours[1]).toMatchObject({ ordersPlaced: 0, ordersCancelled: 1, revenue: { amount: 0 }, refunds: { amount: 10000 }, netRevenue: { amount: -10000 }, averageOrderValue: null });
    expect(all.top).toEqual([
      { product: { id: lamp }, unitsSold: 3, revenue: { amount: 6000, currency: 'USD' } },
      { product: { id: chair }, unitsSold: 2, revenue: { amount: 10000, currency: 'USD' } },
      { product: { id: desk }, unitsSold: 1, revenue: { amount: 10000, currency: 'USD' } },
    ]);
    expect(all.funnel).toEqual({ cartsCreated: 4, ordersPlaced: 4, ordersConfirmed: 3, conversionRate: 0.75 });
    expect(all.cancellations).toEqual([
      { reason: 'CUSTOMER_REQUEST', count: 1 },
      { reason: 'OUT_OF_STOCK', count: 1 },
    ]);
  });

  it('counts a redelivered event once and accepts a late one into its own (old) bucket', async () => {
    const before = (await call(first.url, EVERYTHING, RANGE)).body.data!;
    for (const event of history.slice(0, 5)) await first.service.handle(event);
    expect((await call(first.url, EVERYTHING, RANGE)).body.data).toEqual(before);

    await publish(producer, shuffle(late, 3), ns);
    await eventually(async () => ((await inboxCount(first.service)) === uniqueCount ? true : undefined), 30_000, 200);
    const after = (await call(first.url, EVERYTHING, RANGE)).body.data!;
    expect(after.hours[0]).toEqual(before.hours[0]);
    expect(after.hours[1]).toMatchObject({ ordersPlaced: 1, ordersConfirmed: 1, itemsSold: 3, revenue: { amount: 30000 }, refunds: { amount: 10000 }, netRevenue: { amount: 20000 } });
    expect(after.top[0]).toEqual({ product: { id: desk }, unitsSold: 4, revenue: { amount: 40000, currency: 'USD' } });
    expect(after.funnel).toEqual({ cartsCreated: 5, ordersPlaced: 5, ordersConfirmed: 4, conversionRate: 0.8 });
  });

  it('a replay of the topics from the beginning into an empty database rebuilds exactly the same figures', async () => {
    const replica = await startAnalytics();
    await eventually(async () => ((await inboxCount(replica.service)) === uniqueCount ? true : undefined), 60_000, 200);
    for (const interval of ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH']) {
      const vars = { ...RANGE, interval };
      expect((await call(replica.url, REPORT, vars)).body).toEqual((await call(first.url, REPORT, vars)).body);
    }
    expect((await call(replica.url, EVERYTHING, RANGE)).body).toEqual((await call(first.url, EVERYTHING, RANGE)).body);
    const tables = async (s: AnalyticsService) =>
      Promise.all(['sales_minute ORDER BY minute', 'product_sales_minute ORDER BY minute, product_id', 'cancellations_minute ORDER BY minute, reason'].map((t) => s.dataSource.query(`SELECT * FROM ${t}`)));
    expect(await tables(replica.service)).toEqual(await tables(first.service));
  });

  it('is ADMIN only and refuses bad ranges with BAD_USER_INPUT', async () => {
    const forbidden = await call(first.url, EVERYTHING, RANGE, customer);
    expect(forbidden.body.data ?? null).toBeNull();
    expect(forbidden.body.errors!.map((e) => e.extensions?.code)).toContain('FORBIDDEN');
    const anonymous = await call(first.url, EVERYTHING, RANGE, null);
    expect(anonymous.body.errors![0].extensions?.code).toBe('UNAUTHENTICATED');

    const backwards = await call(first.url, REPORT, { from: RANGE.to, to: RANGE.from, interval: 'DAY' });
    expect(backwards.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await call(first.url, REPORT, { from: '2026-01-01T00:00:00Z', to: '2026-03-01T00:00:00Z', interval: 'MINUTE' });
    expect(tooMany.body.errors![0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(tooMany.body.errors![0].message).toMatch(/more than 2000 MINUTE buckets/);
    const badFirst = await call(first.url, `query { topProducts(from: "${RANGE.from}", to: "${RANGE.to}", first: 0) { unitsSold } }`, {});
    expect(badFirst.body.errors![0].extensions?.code).toBe('BAD_USER_INPUT');
    const notADate = await call(first.url, `query { checkoutFunnel(from: "yesterday", to: "${RANGE.to}") { cartsCreated } }`, {});
    expect(notADate.body.errors![0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    expect(notADate.text).not.toMatch(/at .*\.ts:\d+/);
  });
});
