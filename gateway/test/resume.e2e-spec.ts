import { randomUUID } from 'node:crypto';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { eventually } from '@shopgraph/testkit';
import { demoProducts } from '@shopgraph/demo-data';
import { startShop, type Shop } from './fixtures/shop';
import { gatewayAdminUrl } from '../src/gateway';

// Resumable live tracking (api-next/live.graphql) end to end: real graphql-ws clients, two real
// gateway instances, the real subgraphs and saga on the local stack. A client drops its socket
// while its order moves on, reconnects — to the OTHER gateway, which never saw those events — with
// `afterVersion` (or `since`), and must get every missed change once, in order, then live ones.

jest.setTimeout(180_000);

const PRODUCT = demoProducts.find((p) => p.initialStock >= 100)!;
const address = { recipient: 'Alice Martin', line1: '1 Test Street', city: 'London', postalCode: 'N1 1AA', country: 'GB' };

let shop: Shop;
let otherGatewayUrl: string;
let alice: string;
let bob: string;
let admin: string;

beforeAll(async () => {
  shop = await startShop({ saga: true, env: { payments: { PROVIDER_TIMEOUT_MS: '5000' } } });
  otherGatewayUrl = (await shop.startGateway()).url;
  [alice, bob, admin] = await Promise.all([
    shop.login('alice@shopgraph.local', 'Customer123!'),
    shop.login('bob@shopgraph.local', 'Customer123!'),
    shop.login('admin@shopgraph.local', 'Admin123!shop'),
  ]);
});

const clients: Client[] = [];
afterEach(async () => {
  await Promise.allSettled(clients.splice(0).map((c) => c.dispose()));
});
afterAll(async () => {
  await shop?.stop();
});

async function placeOrder(token: string): Promise<string> {
  const res = await shop.call(
    'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } errors { code message } } }',
    { input: { idempotencyKey: randomUUID(), items: [{ productId: PRODUCT.id, quantity: 1 }], shippingAddress: address, paymentToken: 'tok_visa' } },
    token,
  );
  const id = res.body.data?.placeOrder.order?.id;
  if (!id) throw new Error(`placeOrder failed: ${res.text}`);
  return id;
}

async function orderOf(id: string, token: string): Promise<{ status: string; version: number; history: { status: string; at: string }[] }> {
  const res = await shop.call('query($id: ID!) { order(id: $id) { status version history { status at } } }', { id }, token);
  return res.body.data!.order;
}

const untilStatus = (id: string, token: string, status: string) =>
  eventually(async () => ((await orderOf(id, token)).status === status ? true : undefined), 30_000);

async function adminMark(mutation: 'markOrderShipped' | 'markOrderDelivered', id: string): Promise<void> {
  const res = await shop.call(`mutation($id: ID!) { ${mutation}(id: $id) { order { status } errors { code message } } }`, { id }, admin);
  if (!res.body.data?.[mutation].order) throw new Error(`${mutation} failed: ${res.text}`);
}

type Message = ExecutionResult<Record<string, any>, unknown>;

interface Watch {
  events(): any[];
  until(predicate: (events: any[]) => boolean, timeoutMs?: number): Promise<any[]>;
  error: unknown;
  client: Client;
}

function watch(url: string, token: string, query: string, variables: Record<string, unknown>): Watch {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0 });
  clients.push(client);
  const messages: Message[] = [];
  const w: Watch = {
    client,
    error: undefined,
    events: () => messages.filter((m) => m.data).map((m) => Object.values(m.data!)[0]),
    until: (predicate, timeoutMs = 30_000) =>
      eventually(async () => {
        if (w.error) throw new Error(`subscription failed: ${JSON.stringify(w.error)}`);
        return predicate(w.events()) ? w.events() : undefined;
      }, timeoutMs),
  };
  client.subscribe(
    { query, variables },
    {
      next: (m) => {
        if (m.errors) w.error = m.errors;
        messages.push(m as Message);
      },
      error: (e) => {
        w.error = e instanceof Error ? e.message : Array.isArray(e) ? e : { close: (e as { code?: number }).code };
      },
      complete: () => undefined,
    },
  );
  return w;
}

const ORDER_WATCH = `subscription($id: ID!, $after: Int) {
  orderStatusChanged(orderId: $id, afterVersion: $after) { version status previousStatus order { id } }
}`;
const versions = (events: any[]) => events.map((e) => [e.version, e.status, e.previousStatus]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Events that would come after the last expected one get this long to (wrongly) show up. */
const SETTLE_MS = 1500;

describe('orderStatusChanged(afterVersion)', () => {
  it('a client that drops during the saga and reconnects to another gateway gets every missed change once, in order, then live ones', async () => {
    const id = await placeOrder(alice);
    const first = watch(shop.gatewayUrl, alice, ORDER_WATCH, { id });
    const seen = await first.until((events) => events.length >= 1);
    const lastSeen = seen[seen.length - 1].version as number;
    // The socket drops (no complete, no goodbye) while the saga is still going on.
    first.client.terminate();

    // Meanwhile the saga finishes and an ADMIN ships the order: versions up to 4 exist.
    await untilStatus(id, alice, 'CONFIRMED');
    await adminMark('markOrderShipped', id);
    const missed = (await orderOf(id, alice)).history.slice(lastSeen).map((h) => h.status);
    expect(missed.length).toBeGreaterThanOrEqual(1);

    const resumed = watch(otherGatewayUrl, alice, ORDER_WATCH, { id, after: lastSeen });
    await resumed.until((events) => events.some((e) => e.version === 4));
    // Then a live one.
    await adminMark('markOrderDelivered', id);
    await resumed.until((events) => events.some((e) => e.version === 5));
    await sleep(SETTLE_MS);

    const all = ['PENDING', 'AWAITING_PAYMENT', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];
    const expected = [];
    for (let v = lastSeen + 1; v <= 5; v += 1) expected.push([v, all[v - 1], all[v - 2]]);
    expect(versions(resumed.events())).toEqual(expected);
    expect(missed).toEqual(all.slice(lastSeen, 4));
    expect(resumed.events().every((e) => e.order.id === id)).toBe(true);
    expect(resumed.error).toBeUndefined();
  });

  it('afterVersion at the current version sends nothing until the next change; 0 replays the whole history', async () => {
    const id = await placeOrder(alice);
    await untilStatus(id, alice, 'CONFIRMED');
    const upToDate = watch(otherGatewayUrl, alice, ORDER_WATCH, { id, after: 3 });
    const fromStart = watch(shop.gatewayUrl, alice, ORDER_WATCH, { id, after: 0 });
    await fromStart.until((events) => events.length >= 3);
    await sleep(SETTLE_MS);
    expect(upToDate.events()).toEqual([]);
    await adminMark('markOrderShipped', id);
    await upToDate.until((events) => events.length >= 1);
    await fromStart.until((events) => events.length >= 4);
    await sleep(SETTLE_MS);
    expect(versions(upToDate.events())).toEqual([[4, 'SHIPPED', 'CONFIRMED']]);
    expect(versions(fromStart.events())).toEqual([
      [1, 'PENDING', null],
      [2, 'AWAITING_PAYMENT', 'PENDING'],
      [3, 'CONFIRMED', 'AWAITING_PAYMENT'],
      [4, 'SHIPPED', 'CONFIRMED'],
    ]);
  });

  it('refuses a version the order never had or a negative one with BAD_USER_INPUT, and a stranger with FORBIDDEN', async () => {
    const id = await placeOrder(alice);
    await untilStatus(id, alice, 'CONFIRMED');
    const codeOf = async (token: string, after: number) => {
      const w = watch(shop.gatewayUrl, token, ORDER_WATCH, { id, after });
      await eventually(async () => (w.error ? true : undefined), 10_000);
      return (w.error as { extensions?: { code?: string } }[])[0]?.extensions?.code;
    };
    expect(await codeOf(alice, 99)).toBe('BAD_USER_INPUT');
    expect(await codeOf(alice, -1)).toBe('BAD_USER_INPUT');
    expect(await codeOf(bob, 1)).toBe('FORBIDDEN');
  });
});

describe('myOrderUpdates(since)', () => {
  it('sends every change of every order after `since` (per order in version order, once), then live ones', async () => {
    const old = await placeOrder(bob);
    await untilStatus(old, bob, 'CONFIRMED');
    const since = (await orderOf(old, bob)).history[2].at; // the moment it was confirmed
    // While bob is away: the old order ships, and a new order is placed and confirmed.
    await adminMark('markOrderShipped', old);
    const fresh = await placeOrder(bob);
    await untilStatus(fresh, bob, 'CONFIRMED');

    const w = watch(otherGatewayUrl, bob, 'subscription($since: DateTime) { myOrderUpdates(since: $since) { version status order { id } } }', { since });
    await w.until((events) => events.length >= 4);
    await adminMark('markOrderDelivered', old);
    await w.until((events) => events.length >= 5);
    await sleep(SETTLE_MS);
    const of = (id: string) => w.events().filter((e) => e.order.id === id).map((e) => [e.version, e.status]);
    expect(of(old)).toEqual([
      [4, 'SHIPPED'],
      [5, 'DELIVERED'],
    ]);
    expect(of(fresh)).toEqual([
      [1, 'PENDING'],
      [2, 'AWAITING_PAYMENT'],
      [3, 'CONFIRMED'],
    ]);
    expect(w.events()).toHaveLength(5);
    expect(w.error).toBeUndefined();
  });
});

describe('liveness', () => {
  it("the admin port's /health/live runs the order feed's consumer watchdog", async () => {
    const res = await fetch(`${gatewayAdminUrl(shop.gatewayUrl)}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { kafka: 'ok' } });
  });
});
