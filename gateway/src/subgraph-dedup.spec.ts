import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse } from 'graphql';
import { Registry } from 'prom-client';
import { createLogger, DEV_INTERNAL_TOKEN_PRIVATE_KEY, INTERNAL_TOKEN_HEADER, type Viewer } from '@shopgraph/kit';
import { InternalTokenCache } from './internal-tokens';
import { deduplicationKey, InFlightDeduplicator, isDeduplicable, isMutation } from './subgraph-dedup';
import { createSubgraphGuardMetrics, SubgraphGuard } from './subgraph-guard';
import { SubgraphDataSource } from './subgraph-source';

const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const post = (b: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });

describe('isDeduplicable', () => {
  it('takes queries as the gateway prints them (named, anonymous, with variables)', () => {
    expect(isDeduplicable(post(body('query ProductPage__products__0($slug:String){product(slug:$slug){id}}')))).toBe(true);
    expect(isDeduplicable(post(body('{me{id}}')))).toBe(true);
    expect(isDeduplicable(post(body('query($representations:[_Any!]!){_entities(representations:$representations){__typename}}')))).toBe(true);
    expect(isDeduplicable(post(body('query{me{id}}')))).toBe(true);
  });

  it('never takes mutations, subscriptions, or anything it cannot read', () => {
    expect(isDeduplicable(post(body('mutation PlaceOrder__orders__0($input:PlaceOrderInput!){placeOrder(input:$input){id}}')))).toBe(false);
    expect(isDeduplicable(post(body('mutation{logout}')))).toBe(false);
    expect(isDeduplicable(post(body('subscription{x}')))).toBe(false);
    // The keyword decides, not a name that starts with "query".
    expect(isDeduplicable(post(body('mutation queryThing{x}')))).toBe(false);
    expect(isDeduplicable(post(body('queryX{x}')))).toBe(false);
    expect(isMutation(post(body('mutation PlaceOrder__orders__0($input:PlaceOrderInput!){placeOrder(input:$input){id}}')))).toBe(true);
    expect(isMutation(post(body('{me{id}}')))).toBe(false);
    expect(isDeduplicable(post(JSON.stringify({ variables: {}, query: '{me{id}}' })))).toBe(false);
    expect(isDeduplicable({ method: 'GET' })).toBe(false);
    expect(isDeduplicable({ method: 'POST', body: new Uint8Array([1]) })).toBe(false);
  });
});

describe('deduplicationKey', () => {
  const url = 'http://users/graphql';
  const b = body('{me{id}}');
  it('ignores per-request headers (request id, trace context) and header order', () => {
    const a = deduplicationKey(url, post(b, { 'x-gateway-token': 't1', 'x-request-id': 'r1', traceparent: '00-a-b-01' }));
    const c = deduplicationKey(url, { method: 'POST', body: b, headers: { 'x-request-id': 'r2', 'x-gateway-token': 't1', 'content-type': 'application/json' } });
    expect(a).toBe(c);
  });
  it('differs with the internal token (the viewer), the body and the URL', () => {
    const base = deduplicationKey(url, post(b, { 'x-gateway-token': 't1' }));
    expect(deduplicationKey(url, post(b, { 'x-gateway-token': 't2' }))).not.toBe(base);
    expect(deduplicationKey(url, post(body('{me{id}}', { a: 1 }), { 'x-gateway-token': 't1' }))).not.toBe(base);
    expect(deduplicationKey('http://orders/graphql', post(b, { 'x-gateway-token': 't1' }))).not.toBe(base);
    expect(deduplicationKey(url, post(b))).not.toBe(base);
  });
});

describe('InFlightDeduplicator', () => {
  interface Answer {
    status: number;
    headers: Headers;
    body: string;
  }
  const answer = (body: string, headers: Record<string, string> = {}): Answer => ({ status: 200, headers: new Headers(headers), body });
  const json = async (p: Promise<Answer>) => JSON.parse((await p).body) as unknown;
  function controllable() {
    const calls: Array<{ url: string; init?: RequestInit; resolve: (r: Answer) => void; reject: (e: unknown) => void }> = [];
    const fetch = (url: string, init?: RequestInit) => new Promise<Answer>((resolve, reject) => calls.push({ url, init, resolve, reject }));
    return { calls, fetch };
  }
  const url = 'http://products/graphql';

  it('shares one call among identical queries in flight, each with its own response, and keeps nothing afterwards', async () => {
    const { calls, fetch } = controllable();
    let shared = 0;
    const dedup = new InFlightDeduplicator(fetch, { onDeduplicated: () => shared++ });
    const init = (rid: string) => post(body('{products(first:20){id}}'), { 'x-gateway-token': 'anon', 'x-request-id': rid });
    const pending = [dedup.call(url, init('1')), dedup.call(url, init('2')), dedup.call(url, init('3'))];
    expect(calls).toHaveLength(1);
    expect(shared).toBe(2);
    calls[0].resolve(answer('{"data":{"products":[{"id":"p1"}]}}', { 'content-type': 'application/json', 'cache-control': 'max-age=30, public' }));
    const answers = await Promise.all(pending);
    expect(answers.map((a) => JSON.parse(a.body))).toEqual([0, 1, 2].map(() => ({ data: { products: [{ id: 'p1' }] } })));
    expect(answers.map((a) => a.headers.get('cache-control'))).toEqual(['max-age=30, public', 'max-age=30, public', 'max-age=30, public']);
    expect(dedup.size).toBe(0);
    // Once answered, the next identical query makes a call of its own.
    const later = dedup.call(url, init('4'));
    expect(calls).toHaveLength(2);
    calls[1].resolve(answer('{"data":{"products":[]}}'));
    expect(await json(later)).toEqual({ data: { products: [] } });
  });

  it('never shares between viewers, nor for mutations', async () => {
    const { calls, fetch } = controllable();
    const dedup = new InFlightDeduplicator(fetch);
    const q = body('{me{id}}');
    const m = body('mutation{logout{ok}}');
    const pending = [
      dedup.call(url, post(q, { 'x-gateway-token': 'alice' })),
      dedup.call(url, post(q, { 'x-gateway-token': 'bob' })),
      dedup.call(url, post(m, { 'x-gateway-token': 'alice' })),
      dedup.call(url, post(m, { 'x-gateway-token': 'alice' })),
    ];
    expect(calls).toHaveLength(4);
    calls.forEach((c, i) => c.resolve(answer(`{"data":${i}}`)));
    expect(await Promise.all(pending.map(json))).toEqual([{ data: 0 }, { data: 1 }, { data: 2 }, { data: 3 }]);
  });

  it('a query that starts after a mutation (on any subgraph) answered never joins a call from before it', async () => {
    const { calls, fetch } = controllable();
    const epoch = { value: 0 };
    const products = new InFlightDeduplicator(fetch, {}, epoch);
    const orders = new InFlightDeduplicator(fetch, {}, epoch);
    const read = post(body('query Cart__products__0{cart{lines{id}}}'), { 'x-gateway-token': 'alice' });
    const before = products.call(url, read);
    const during = orders.call('http://orders/graphql', post(body('mutation AddToCart__orders__0{addToCart{ok}}'), { 'x-gateway-token': 'alice' }));
    const joined = products.call(url, read); // while the mutation is under way: may share the earlier read
    expect(calls).toHaveLength(2);
    calls[1].resolve(answer('{"data":{"addToCart":{"ok":true}}}'));
    await during;
    const after = products.call(url, read);
    expect(calls).toHaveLength(3);
    calls[0].resolve(answer('{"data":"old"}'));
    calls[2].resolve(answer('{"data":"new"}'));
    expect(await json(before)).toEqual({ data: 'old' });
    expect(await json(joined)).toEqual({ data: 'old' });
    expect(await json(after)).toEqual({ data: 'new' });
    expect(products.size).toBe(0);
  });

  it('hands a failed call to every waiter and lets the next one try again', async () => {
    const { calls, fetch } = controllable();
    const dedup = new InFlightDeduplicator(fetch);
    const init = post(body('{me{id}}'), { 'x-gateway-token': 'anon' });
    const pending = [dedup.call(url, init), dedup.call(url, init)];
    calls[0].reject(new TypeError('fetch failed'));
    await expect(pending[0]).rejects.toThrow('fetch failed');
    await expect(pending[1]).rejects.toThrow('fetch failed');
    expect(dedup.size).toBe(0);
    void dedup.call(url, init);
    expect(calls).toHaveLength(2);
    calls[1].resolve(answer('{}'));
  });
});

describe('SubgraphDataSource with deduplication (the body as the gateway sends it, a real HTTP subgraph)', () => {
  let server: http.Server;
  let url: string;
  const received: Array<{ query: string; viewer: string }> = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  const viewerOf = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub?: string }).sub ?? 'anonymous';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', async () => {
        const { query } = JSON.parse(text) as { query: string };
        const viewer = viewerOf(String(req.headers[INTERNAL_TOKEN_HEADER]));
        received.push({ query, viewer });
        await gate;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: query.startsWith('mutation') ? { logout: { ok: true } } : { me: { id: viewer } } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const guard = () =>
    new SubgraphGuard('users', { timeoutMs: 5000, failureThreshold: 5, resetMs: 1000, metrics: createSubgraphGuardMetrics(new Registry()), log: createLogger('dedup-spec', 'silent') });
  const alice = { id: 'u-alice', role: 'CUSTOMER' as const };
  const bob = { id: 'u-bob', role: 'CUSTOMER' as const };
  const call = (source: SubgraphDataSource, query: string, viewer: Viewer | null, requestId: string) =>
    source.process({
      kind: 'incoming operation', // GraphQLDataSourceRequestKind.INCOMING_OPERATION
      request: { query },
      document: parse(query),
      context: { viewer, requestId, clientIp: '203.0.113.9' },
      incomingRequestContext: { overallCachePolicy: undefined } as never,
    } as never) as Promise<{ data?: Record<string, unknown>; errors?: unknown[] }>;

  async function run(deduplicate: boolean) {
    received.length = 0;
    gate = new Promise<void>((r) => (release = r));
    const shared = { value: 0 };
    const source = new SubgraphDataSource('users', url, new InternalTokenCache(DEV_INTERNAL_TOKEN_PRIVATE_KEY), guard(), deduplicate ? (c) => new InFlightDeduplicator(c, {}, shared).call : null);
    const q = 'query Me__users__0{me{id}}';
    const m = 'mutation Logout__users__0{logout{ok}}';
    const answers = Promise.all([call(source, q, alice, 'r1'), call(source, q, alice, 'r2'), call(source, q, alice, 'r3'), call(source, q, bob, 'r4'), call(source, m, alice, 'r5'), call(source, m, alice, 'r6')]);
    // Let every request that is going to be made reach the server before it answers.
    for (let i = 0; i < 200 && received.length < (deduplicate ? 4 : 6); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    release();
    return answers;
  }

  it('one subgraph request for identical queries of one viewer; one per viewer; every mutation its own; each caller its own objects', async () => {
    const results = await run(true);
    expect(received.filter((r) => r.query.startsWith('query')).map((r) => r.viewer).sort()).toEqual(['u-alice', 'u-bob']);
    expect(received.filter((r) => r.query.startsWith('mutation'))).toHaveLength(2);
    expect(results.map((r) => r.data)).toEqual([
      { me: { id: 'u-alice' } },
      { me: { id: 'u-alice' } },
      { me: { id: 'u-alice' } },
      { me: { id: 'u-bob' } },
      { logout: { ok: true } },
      { logout: { ok: true } },
    ]);
    expect(results[0].data).not.toBe(results[1].data);
  });

  it('without deduplication every call reaches the subgraph', async () => {
    const results = await run(false);
    expect(received).toHaveLength(6);
    expect(results.every((r) => r.errors === undefined)).toBe(true);
  });
});
