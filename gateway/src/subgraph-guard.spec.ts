import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, parse } from 'graphql';
import { Registry } from 'prom-client';
import { createLogger } from '@shopgraph/kit';
import { classify, createSubgraphGuardMetrics, fieldPaths, SubgraphGuard } from './subgraph-guard';

const log = createLogger('guard-spec', 'silent');

function guard(options: { timeoutMs?: number; failureThreshold?: number; resetMs?: number } = {}) {
  const registry = new Registry();
  let now = 0;
  const g = new SubgraphGuard('reviews', {
    timeoutMs: options.timeoutMs ?? 1000,
    failureThreshold: options.failureThreshold ?? 2,
    resetMs: options.resetMs ?? 1000,
    metrics: createSubgraphGuardMetrics(registry),
    log,
    now: () => now,
  });
  return { g, registry, advance: (ms: number) => (now += ms) };
}

const metric = async (registry: Registry, name: string, labels: Record<string, string>) => {
  const values = (await registry.getSingleMetric(name)!.get()).values;
  return values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val))?.value;
};

const entityFetch = {
  request: {
    query:
      'query($representations:[_Any!]!){_entities(representations:$representations){...on Product{rating{average} r: reviews{totalCount} __typename}}}',
    variables: {
      representations: [
        { __typename: 'Product', id: 'p1' },
        { __typename: 'Product', id: 'p2' },
      ],
    },
  },
};

describe('fieldPaths', () => {
  it("names each representation's fields of an entity fetch (response keys, no __typename)", () => {
    expect(fieldPaths(entityFetch)).toEqual([
      ['_entities', 0, 'rating'],
      ['_entities', 0, 'r'],
      ['_entities', 1, 'rating'],
      ['_entities', 1, 'r'],
    ]);
  });

  it("keeps to the fragment of each representation's type", () => {
    const request = {
      query:
        'query($representations:[_Any!]!){_entities(representations:$representations){...on User{reviews{totalCount}} ...on Product{rating{average}}}}',
      variables: {
        representations: [
          { __typename: 'Product', id: 'p1' },
          { __typename: 'User', id: 'u1' },
        ],
      },
    };
    expect(fieldPaths({ request, document: parse(request.query) })).toEqual([
      ['_entities', 0, 'rating'],
      ['_entities', 1, 'reviews'],
    ]);
  });

  it('names the root fields of a root fetch, aliases and fragments included', () => {
    const request = { query: 'query { a: product(slug: "x") { id } ...F } fragment F on Query { products(first: 3) { totalCount } }' };
    expect(fieldPaths({ request })).toEqual([['a'], ['products']]);
  });

  it('gives one path-less error for an operation it cannot read', () => {
    expect(fieldPaths({ request: { query: '{ broken' } })).toEqual([undefined]);
  });
});

describe('classify', () => {
  it('tells timeouts, unreachable subgraphs and bad answers apart; a 4xx is not held against the subgraph', () => {
    expect(classify(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('TIMEOUT');
    expect(classify(new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }))).toBe('UNREACHABLE');
    expect(classify(new GraphQLError('503: Service Unavailable', { extensions: { response: { status: 503 } } }))).toBe('BAD_RESPONSE');
    expect(classify(new GraphQLError('400: Bad Request', { extensions: { response: { status: 400 } } }))).toBeNull();
    expect(classify(new SyntaxError('Unexpected token < in JSON'))).toBe('BAD_RESPONSE');
  });
});

describe('SubgraphGuard.run', () => {
  it('passes answers through and turns a failure into SUBGRAPH_UNAVAILABLE at each field, without the URL', async () => {
    const { g, registry } = guard();
    const ok = { data: { _entities: [] } };
    await expect(g.run(entityFetch, async () => ok)).resolves.toBe(ok);

    const answer = await g.run(entityFetch, async () => {
      throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 10.1.2.3:4006') });
    });
    expect(answer.data).toBeUndefined();
    expect(answer.errors).toHaveLength(4);
    expect(answer.errors![0]).toEqual({
      message: 'The reviews service is unavailable',
      path: ['_entities', 0, 'rating'],
      extensions: { code: 'SUBGRAPH_UNAVAILABLE', reason: 'UNREACHABLE' },
    });
    expect(JSON.stringify(answer)).not.toMatch(/10\.1\.2\.3|4006|ECONNREFUSED|http/);
    expect(await metric(registry, 'gateway_subgraph_failures_total', { subgraph: 'reviews', reason: 'UNREACHABLE' })).toBe(1);
  });

  it('opens after the threshold: later calls are not made, answered at once, and counted; a probe after the cool-down closes it', async () => {
    const { g, registry, advance } = guard({ failureThreshold: 2, resetMs: 1000 });
    let calls = 0;
    const failing = async () => {
      calls += 1;
      throw new DOMException('aborted', 'TimeoutError');
    };
    await g.run(entityFetch, failing);
    await g.run(entityFetch, failing);
    expect(g.breaker.state).toBe('open');
    expect(await metric(registry, 'gateway_subgraph_breaker_state', { subgraph: 'reviews' })).toBe(2);
    expect(await metric(registry, 'gateway_subgraph_timeouts_total', { subgraph: 'reviews' })).toBe(2);

    const refused = await g.run(entityFetch, failing);
    expect(calls).toBe(2);
    expect(refused.errors![0].extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', reason: 'CIRCUIT_OPEN' });
    expect(await metric(registry, 'gateway_subgraph_short_circuited_total', { subgraph: 'reviews' })).toBe(1);

    advance(1000);
    const ok = { data: { _entities: [] } };
    await expect(g.run(entityFetch, async () => ok)).resolves.toBe(ok);
    expect(g.breaker.state).toBe('closed');
    expect(await metric(registry, 'gateway_subgraph_breaker_state', { subgraph: 'reviews' })).toBe(0);
  });

  it('says a timed-out mutation may or may not have been applied', async () => {
    const { g } = guard({ timeoutMs: 250 });
    const answer = await g.run({ request: { query: 'mutation { placeOrder(input: {}) { order { id } } }' } }, async () => {
      throw new DOMException('aborted', 'TimeoutError');
    });
    expect(answer.errors).toEqual([
      {
        message: 'The reviews service did not answer within 250 ms; the change may or may not have been made',
        path: ['placeOrder'],
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', reason: 'TIMEOUT' },
      },
    ]);
  });
});

describe('SubgraphGuard.fetcher', () => {
  it('cuts a call off at the deadline even when the server accepted it and sent part of the body', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const server = http.createServer((req, res) => {
      if (req.url === '/headers-only') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"data":');
        return; // never ends
      }
      // never answers at all
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const fetcher = guard({ timeoutMs: 200 }).g.fetcher();
      for (const path of ['/silent', '/headers-only']) {
        const started = Date.now();
        const error = await fetcher(`http://127.0.0.1:${port}${path}`, { method: 'POST' }).catch((e: unknown) => e);
        expect(classify(error)).toBe('TIMEOUT');
        expect(String((error as Error).message)).not.toContain('127.0.0.1');
        // The deadline the guard promises (generous upper bound).
        expect(Date.now() - started).toBeLessThan(2000);
      }
      // A normal answer comes through whole.
      const ok = http.createServer((_req, res) => res.end('{"data":{"ok":true}}'));
      await new Promise<void>((r) => ok.listen(0, '127.0.0.1', r));
      const res = await fetcher(`http://127.0.0.1:${(ok.address() as AddressInfo).port}/`, { method: 'POST' });
      expect(await res.json()).toEqual({ data: { ok: true } });
      await new Promise((r) => ok.close(r));
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});
