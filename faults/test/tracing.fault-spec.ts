import { randomBytes, randomUUID } from 'node:crypto';
import { demoProducts } from '@shopgraph/demo-data';
import { faultStack, startFaultShop, DEMO_CUSTOMER, ORDER_FIELDS, type FaultShop, type FaultStack } from '../src';

// Issue 11: one order's saga is one trace. The whole shop runs as real processes with tracing
// switched on the documented way (the kit's preload + OTEL_EXPORTER_OTLP_ENDPOINT); their OTLP/HTTP
// exporters send to the stack's Jaeger (the fault stack's own, on its private ports), and the test
// reads each trace back from Jaeger's query API. A client's traceparent on placeOrder must lead to
// spans from the gateway, orders, inventory and payments (and the provider call) under the
// client's trace id, the Kafka hops as PRODUCER/CONSUMER pairs whose parents chain, and a declined
// payment must show the error on the provider call's span. The gateway logs one JSON line for the
// request with its request id and trace id.

interface Span {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number; // OTLP: 1 internal, 2 server, 3 client, 4 producer, 5 consumer
  status: { code?: number; message?: string };
  attributes: Record<string, unknown>;
}
const KIND = { SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

const product = demoProducts.find((p) => p.initialStock >= 20) ?? demoProducts[0];
let jaegerUrl: string;
let stack: FaultStack;
let shop: FaultShop;
let alice: string;

const KINDS: Record<string, number> = { internal: 1, server: KIND.SERVER, client: KIND.CLIENT, producer: KIND.PRODUCER, consumer: KIND.CONSUMER };

/** One trace as Jaeger's query API returns it (GET /api/traces/:id), as spans; [] while Jaeger has none of it. */
async function jaegerTrace(traceId: string): Promise<Span[]> {
  const res = await fetch(`${jaegerUrl}/api/traces/${traceId}`);
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`Jaeger answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const body = (await res.json()) as { data?: any[] };
  const trace = body.data?.[0];
  if (!trace) return [];
  return (trace.spans as any[]).map((s) => {
    const tags: Record<string, unknown> = Object.fromEntries((s.tags ?? []).map((t: { key: string; value: unknown }) => [t.key, t.value]));
    const parent = (s.references ?? []).find((r: { refType: string }) => r.refType === 'CHILD_OF');
    return {
      service: String(trace.processes?.[s.processID]?.serviceName ?? ''),
      traceId: String(s.traceID).padStart(32, '0'),
      spanId: String(s.spanID).padStart(16, '0'),
      parentSpanId: parent ? String(parent.spanID).padStart(16, '0') : '',
      name: s.operationName,
      kind: KINDS[String(tags['span.kind'] ?? 'internal')] ?? 1,
      // OTLP status code 2 (ERROR) is the otel.status_code tag in Jaeger's model.
      status: tags['otel.status_code'] === 'ERROR' ? { code: 2, message: String(tags['otel.status_description'] ?? '') } : {},
      attributes: tags,
    };
  });
}

beforeAll(async () => {
  stack = faultStack();
  // Jaeger of the private stack; on a fresh machine npm test has been building it in the background
  // since it began (stack.mjs prepare jaeger), and starting it waits for that build if need be.
  await stack.start('jaeger');
  jaegerUrl = stack.env.JAEGER_URL as string;
  const endpoint = stack.env.JAEGER_OTLP_ENDPOINT as string;
  const tracing = {
    NODE_OPTIONS: '--require @shopgraph/kit/dist/tracing-preload.js',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  shop = await startFaultShop(stack, {
    logLevel: 'info',
    // Traces are this file's subject, not store deadlines: a busy machine must not fail its start-up.
    contendedDeadlines: true,
    // Only the ordered product must be ready (below), not the whole demo catalog.
    waitForCatalog: false,
    env: {
      gateway: tracing,
      users: tracing,
      products: tracing,
      inventory: tracing,
      orders: tracing,
      payments: tracing,
      reviews: tracing,
      sandbox: { ...tracing, OTEL_SERVICE_NAME: 'payment-provider' },
    },
  });
  alice = await shop.login(DEMO_CUSTOMER.email, DEMO_CUSTOMER.password);
  await shop.waitUntilOrderable(product.id, 120_000);
}, 15 * 60_000); // eight traced processes start on a loaded 2-core machine, after Jaeger's first build

afterAll(async () => {
  await shop?.stop();
  await stack?.stop('jaeger');
});


/** placeOrder through the gateway with the client's own traceparent and request id. */
async function placeOrderTraced(
  paymentToken: string,
): Promise<{ traceId: string; clientSpanId: string; requestId: string; orderId: string }> {
  const traceId = randomBytes(16).toString('hex');
  const clientSpanId = randomBytes(8).toString('hex');
  const requestId = `trace-e2e-${randomUUID()}`;
  const res = await fetch(shop.gatewayUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${alice}`,
      traceparent: `00-${traceId}-${clientSpanId}-01`,
      'x-request-id': requestId,
    },
    body: JSON.stringify({
      query: `mutation PlaceTracedOrder($input: PlaceOrderInput!) { placeOrder(input: $input) { order { ${ORDER_FIELDS} } errors { code message } } }`,
      variables: {
        input: {
          idempotencyKey: randomUUID(),
          items: [{ productId: product.id, quantity: 1 }],
          shippingAddress: { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' },
          paymentToken,
        },
      },
    }),
  });
  const body = (await res.json()) as any;
  const orderId = body.data?.placeOrder?.order?.id;
  if (!orderId) throw new Error(`placeOrder failed: ${JSON.stringify(body)}`);
  return { traceId, clientSpanId, requestId, orderId };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the trace holds spans satisfying `done`; resolves with the trace's spans. */
async function traceUntil(traceId: string, done: (spans: Span[]) => boolean, timeoutMs = 30_000): Promise<Span[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const spans = await jaegerTrace(traceId);
    if (done(spans)) return spans;
    if (Date.now() > deadline) {
      const summary = spans.map((s) => `${s.service} ${s.kind} ${s.name}`).join('\n');
      throw new Error(`trace ${traceId} incomplete after ${timeoutMs} ms; it has ${spans.length} spans:\n${summary}`);
    }
    await sleep(250);
  }
}

const hop = (spans: Span[], service: string, kind: number, eventType: string) =>
  spans.find((s) => s.service === service && s.kind === kind && s.attributes['shopgraph.event.type'] === eventType);

describe('one trace per order', () => {
  it('follows a confirmed order from the client through the gateway, every subgraph, Kafka and the provider call', async () => {
    const placed = await placeOrderTraced('tok_visa');
    expect((await shop.orderToFinal(placed.orderId)).status).toBe('CONFIRMED');

    // Every service exports its spans in its own batches: wait until each hop's pair has arrived.
    const hops: [string, string, string][] = [
      ['ReserveStock', 'orders', 'inventory'],
      ['StockReserved', 'inventory', 'orders'],
      ['AuthorizePayment', 'orders', 'payments'],
      ['PaymentCaptured', 'payments', 'orders'],
    ];
    const spans = await traceUntil(
      placed.traceId,
      (s) => hops.every(([type, from, to]) => !!hop(s, from, KIND.PRODUCER, type) && !!hop(s, to, KIND.CONSUMER, type)) && s.some((x) => x.service === 'payment-provider'),
    );
    const services = new Set(spans.map((s) => s.service));
    for (const service of ['gateway', 'orders', 'inventory', 'payments', 'payment-provider']) expect(services).toContain(service);

    // The gateway's server span continues the client's span; its subgraph fetches lead to the orders server span.
    const gatewayServer = spans.find((s) => s.service === 'gateway' && s.kind === KIND.SERVER)!;
    expect(gatewayServer.parentSpanId).toBe(placed.clientSpanId);
    const ordersServer = spans.find((s) => s.service === 'orders' && s.kind === KIND.SERVER)!;
    const gatewayFetch = spans.find((s) => s.spanId === ordersServer.parentSpanId)!;
    expect(gatewayFetch).toMatchObject({ service: 'gateway', kind: KIND.CLIENT });

    // Each Kafka hop: a PRODUCER span and the CONSUMER span that is its child, across services.
    for (const [type, from, to] of hops) {
      const produced = hop(spans, from, KIND.PRODUCER, type);
      const consumed = hop(spans, to, KIND.CONSUMER, type);
      expect({ type, produced: !!produced, consumed: !!consumed }).toEqual({ type, produced: true, consumed: true });
      expect(consumed!.parentSpanId).toBe(produced!.spanId);
    }
    // The provider call is made while payments handles AuthorizePayment, under its consumer span's trace.
    const providerCall = spans.find(
      (s) =>
        s.service === 'payments' &&
        s.kind === KIND.CLIENT &&
        String(s.attributes['url.full'] ?? s.attributes['http.url'] ?? '').startsWith(shop.sandboxUrl),
    );
    expect(providerCall).toBeDefined();
    const providerServer = spans.find((s) => s.service === 'payment-provider' && s.kind === KIND.SERVER)!;
    expect(providerServer.parentSpanId).toBe(providerCall!.spanId);
    // Database spans are there too, inside the trace.
    expect(
      spans.some(
        (s) => s.service === 'orders' && (s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql'),
      ),
    ).toBe(true);

    // The gateway's request log line: operation, status, the client's request id and the trace id.
    const gatewayLines = shop.services.gateway
      .logTail(200_000)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const line = gatewayLines.find((l) => l.msg === 'graphql request' && l.requestId === placed.requestId);
    expect(line).toMatchObject({ operationName: 'PlaceTracedOrder', status: 200, outcome: 'ok', traceId: placed.traceId });
    expect(typeof line.durationMs).toBe('number');
    expect(line.viewerId).toEqual(expect.any(String));
    expect(JSON.stringify(line)).not.toContain('tok_visa');
  });

  it('shows a declined payment as an error on the provider call span, in the same trace', async () => {
    const placed = await placeOrderTraced('tok_chargeDeclined');
    const final = await shop.orderToFinal(placed.orderId);
    expect(final.status).toBe('CANCELLED');
    const spans = await traceUntil(
      placed.traceId,
      // orders' consumer span ends after its handler commits and is exported in its own batch, so wait for it too.
      (s) => !!hop(s, 'payments', KIND.PRODUCER, 'PaymentDeclined') && !!hop(s, 'orders', KIND.CONSUMER, 'PaymentDeclined') && s.some((x) => x.service === 'payment-provider'),
    );
    const providerCall = spans.find(
      (s) => s.service === 'payments' && s.kind === KIND.CLIENT && String(s.attributes['url.full'] ?? '').startsWith(shop.sandboxUrl),
    )!;
    expect(providerCall).toBeDefined();
    expect(providerCall.attributes['http.response.status_code']).toBe(402);
    expect(providerCall.status.code).toBe(2); // ERROR
    // …and the failure travels on as PaymentDeclined, consumed by orders in the same trace.
    expect(hop(spans, 'orders', KIND.CONSUMER, 'PaymentDeclined')!.parentSpanId).toBe(
      hop(spans, 'payments', KIND.PRODUCER, 'PaymentDeclined')!.spanId,
    );
  });

  it('exports every metric the shipped dashboards and alert rules query (scraped from the running services)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const obs = require('../../infra/observability/queries.cjs');
    const families = new Set<string>();
    for (const service of Object.values(shop.services)) {
      if (service.name === 'sandbox') continue;
      for (const line of (await service.metrics()).split('\n')) {
        const m = /^# TYPE (\S+) /.exec(line);
        if (m) families.add(m[1]);
      }
    }
    const queried = [...obs.dashboardQueries(), ...obs.alertQueries()].flatMap((q: { expr: string }) => obs.metricNames(q.expr) as string[]);
    expect(queried.length).toBeGreaterThan(30);
    const missing = [...new Set(queried)].filter((name) => !obs.PROMETHEUS_OWN.has(name) && !obs.familyOf(name, families));
    expect(missing).toEqual([]);
  });
});
