import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RemoteGraphQLDataSource } from '@apollo/gateway';
import { parse } from 'graphql';
import { deduplicationKey, InFlightDeduplicator, isDeduplicable, isMutation } from './subgraph-dedup';

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
  function controllable() {
    const calls: Array<{ url: string; init?: RequestInit; resolve: (r: Response) => void; reject: (e: unknown) => void }> = [];
    const fetch = (url: string, init?: RequestInit) => new Promise<Response>((resolve, reject) => calls.push({ url, init, resolve, reject }));
    return { calls, fetch };
  }
  const url = 'http://products/graphql';

  it('shares one call among identical queries in flight, each with its own response, and keeps nothing afterwards', async () => {
    const { calls, fetch } = controllable();
    let shared = 0;
    const dedup = new InFlightDeduplicator(fetch, { onDeduplicated: () => shared++ });
    const init = (rid: string) => post(body('{products(first:20){id}}'), { 'x-gateway-token': 'anon', 'x-request-id': rid });
    const pending = [dedup.fetch(url, init('1')), dedup.fetch(url, init('2')), dedup.fetch(url, init('3'))];
    expect(calls).toHaveLength(1);
    expect(shared).toBe(2);
    calls[0].resolve(new Response('{"data":{"products":[{"id":"p1"}]}}', { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=30, public' } }));
    const responses = await Promise.all(pending);
    const parsed = await Promise.all(responses.map((r) => r.json()));
    expect(parsed).toEqual([0, 1, 2].map(() => ({ data: { products: [{ id: 'p1' }] } })));
    expect(parsed[0]).not.toBe(parsed[1]);
    expect(responses.map((r) => r.headers.get('cache-control'))).toEqual(['max-age=30, public', 'max-age=30, public', 'max-age=30, public']);
    expect(dedup.size).toBe(0);
    // Once answered, the next identical query makes a call of its own.
    const later = dedup.fetch(url, init('4'));
    expect(calls).toHaveLength(2);
    calls[1].resolve(new Response('{"data":{"products":[]}}', { status: 200 }));
    expect(await (await later).json()).toEqual({ data: { products: [] } });
  });

  it('never shares between viewers, nor for mutations', async () => {
    const { calls, fetch } = controllable();
    const dedup = new InFlightDeduplicator(fetch);
    const q = body('{me{id}}');
    const m = body('mutation{logout{ok}}');
    const pending = [
      dedup.fetch(url, post(q, { 'x-gateway-token': 'alice' })),
      dedup.fetch(url, post(q, { 'x-gateway-token': 'bob' })),
      dedup.fetch(url, post(m, { 'x-gateway-token': 'alice' })),
      dedup.fetch(url, post(m, { 'x-gateway-token': 'alice' })),
    ];
    expect(calls).toHaveLength(4);
    calls.forEach((c, i) => c.resolve(new Response(`{"data":${i}}`)));
    expect(await Promise.all(pending.map(async (p) => (await p).json()))).toEqual([{ data: 0 }, { data: 1 }, { data: 2 }, { data: 3 }]);
  });

  it('a query that starts after a mutation (on any subgraph) answered never joins a call from before it', async () => {
    const { calls, fetch } = controllable();
    const epoch = { value: 0 };
    const products = new InFlightDeduplicator(fetch, {}, epoch);
    const orders = new InFlightDeduplicator(fetch, {}, epoch);
    const read = post(body('query Cart__products__0{cart{lines{id}}}'), { 'x-gateway-token': 'alice' });
    const before = products.fetch(url, read);
    const during = orders.fetch('http://orders/graphql', post(body('mutation AddToCart__orders__0{addToCart{ok}}'), { 'x-gateway-token': 'alice' }));
    const joined = products.fetch(url, read); // while the mutation is under way: may share the earlier read
    expect(calls).toHaveLength(2);
    calls[1].resolve(new Response('{"data":{"addToCart":{"ok":true}}}'));
    await during;
    const after = products.fetch(url, read);
    expect(calls).toHaveLength(3);
    calls[0].resolve(new Response('{"data":"old"}'));
    calls[2].resolve(new Response('{"data":"new"}'));
    expect(await (await before).json()).toEqual({ data: 'old' });
    expect(await (await joined).json()).toEqual({ data: 'old' });
    expect(await (await after).json()).toEqual({ data: 'new' });
    expect(products.size).toBe(0);
  });

  it('hands a failed call to every waiter and lets the next one try again', async () => {
    const { calls, fetch } = controllable();
    const dedup = new InFlightDeduplicator(fetch);
    const init = post(body('{me{id}}'), { 'x-gateway-token': 'anon' });
    const pending = [dedup.fetch(url, init), dedup.fetch(url, init)];
    calls[0].reject(new TypeError('fetch failed'));
    await expect(pending[0]).rejects.toThrow('fetch failed');
    await expect(pending[1]).rejects.toThrow('fetch failed');
    expect(dedup.size).toBe(0);
    void dedup.fetch(url, init);
    expect(calls).toHaveLength(2);
    calls[1].resolve(new Response('{}'));
  });
});

describe('InFlightDeduplicator under RemoteGraphQLDataSource (the body as the gateway sends it)', () => {
  let server: http.Server;
  let url: string;
  const received: Array<{ query: string; token?: string }> = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', async () => {
        const { query } = JSON.parse(text) as { query: string };
        received.push({ query, token: req.headers['x-gateway-token'] as string | undefined });
        await gate;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: query.startsWith('mutation') ? { logout: { ok: true } } : { me: { id: `${req.headers['x-gateway-token']}` } } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    received.length = 0;
    gate = new Promise<void>((r) => (release = r));
  });

  class Source extends RemoteGraphQLDataSource<{ token: string; rid: string }> {
    override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<{ token: string; rid: string }>['willSendRequest']>>[0]) {
      const { token, rid } = context as { token: string; rid: string };
      request.http!.headers.set('x-gateway-token', token);
      request.http!.headers.set('x-request-id', rid);
    }
  }
  const call = (source: Source, query: string, token: string, rid: string) =>
    source.process({
      kind: 'incoming operation', // GraphQLDataSourceRequestKind.INCOMING_OPERATION
      request: { query },
      document: parse(query),
      context: { token, rid },
      incomingRequestContext: { overallCachePolicy: undefined } as never,
    } as never) as Promise<{ data?: Record<string, unknown> }>;

  it('one subgraph request for identical queries of one viewer; one per viewer; every mutation its own', async () => {
    const dedup = new InFlightDeduplicator(fetch);
    const source = new Source({ url, fetcher: dedup.fetch as never });
    const q = 'query Me__users__0{me{id}}';
    const answers = Promise.all([
      call(source, q, 'alice', 'r1'),
      call(source, q, 'alice', 'r2'),
      call(source, q, 'alice', 'r3'),
      call(source, q, 'bob', 'r4'),
      call(source, 'mutation Logout__users__0{logout{ok}}', 'alice', 'r5'),
      call(source, 'mutation Logout__users__0{logout{ok}}', 'alice', 'r6'),
    ]);
    // Let the requests reach the server before it answers.
    for (let i = 0; i < 100 && received.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const results = await answers;
    expect(received.filter((r) => r.query.startsWith('query')).map((r) => r.token).sort()).toEqual(['alice', 'bob']);
    expect(received.filter((r) => r.query.startsWith('mutation'))).toHaveLength(2);
    expect(results.slice(0, 4).map((r) => r.data)).toEqual([{ me: { id: 'alice' } }, { me: { id: 'alice' } }, { me: { id: 'alice' } }, { me: { id: 'bob' } }]);
    expect(results[0].data).not.toBe(results[1].data);
  });
});
