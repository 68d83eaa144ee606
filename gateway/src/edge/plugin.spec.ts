import { ApolloServer, HeaderMap } from '@apollo/server';
import { Registry } from 'prom-client';
import { createLogger, maskErrors } from '@shopgraph/kit';
import { defaultCostModel, type ComplexityLimits } from './complexity';
import { edgePlugin, type EdgeContext } from './plugin';

const limits: ComplexityLimits = { maxDepth: 3, maxAliases: 2, maxRootFields: 3, maxTokens: 40, maxDirectives: 2, maxCost: 50 };
const log = createLogger('test', 'silent');

async function server() {
  let resolved = 0;
  const plugin = edgePlugin<EdgeContext>({ limits, costModel: defaultCostModel, rateLimiter: null, registry: new Registry(), log });
  const apollo = new ApolloServer<EdgeContext>({
    typeDefs: 'type Query { node: Node hello: String } type Node { id: ID child: Node }',
    resolvers: { Query: { hello: () => { resolved += 1; return 'hi'; }, node: () => { resolved += 1; return { id: '1' }; } } },
    parseOptions: { maxTokens: limits.maxTokens },
    formatError: plugin.formatError(maskErrors(log)),
    plugins: [plugin],
  });
  await apollo.start();
  const run = async (query: string) => {
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: { query } },
      context: async () => ({ viewer: null, clientIp: '127.0.0.1' }),
    });
    const body = response.body.kind === 'complete' ? JSON.parse(response.body.string) : null;
    return { status: response.status ?? 200, body };
  };
  return { apollo, run, resolved: () => resolved };
}

describe('edgePlugin in Apollo Server', () => {
  it('refuses over-limit operations with one QUERY_TOO_COMPLEX error (400) before validation and execution', async () => {
    const { apollo, run, resolved } = await server();
    try {
      const cases: [string, string, number][] = [
        ['{ node { child { child { id } } } }', 'maxDepth', 4],
        ['{ a: hello b: hello c: hello }', 'maxAliases', 3],
        ['{ ...F ...F } fragment F on Query { hello node { id } }', 'maxRootFields', 4],
        ['query($t: Boolean!) { hello @include(if: $t) @skip(if: $t) node @include(if: $t) { id } }', 'maxDirectives', 3],
        [`{ ${'hello '.repeat(41)}}`, 'maxTokens', 43],
      ];
      for (const [query, limit, measured] of cases) {
        const { status, body } = await run(query);
        expect({ limit, status, errors: body.errors }).toEqual({
          limit,
          status: 400,
          errors: [expect.objectContaining({ extensions: { code: 'QUERY_TOO_COMPLEX', limit, measured, allowed: limits[limit as keyof ComplexityLimits] } })],
        });
      }
      // An invalid field beyond a limit: the limit answers (validation never ran).
      expect((await run('{ a: nope b: nope c: nope }')).body.errors[0].extensions.code).toBe('QUERY_TOO_COMPLEX');
      expect(resolved()).toBe(0);
      const ok = await run('{ hello node { child { id } } }');
      expect(ok.status).toBe(200);
      expect(ok.body.data.hello).toBe('hi');
      // A cached document (second run) is measured too.
      expect((await run('{ node { child { child { id } } } }')).body.errors[0].extensions.limit).toBe('maxDepth');
    } finally {
      await apollo.stop();
    }
  });
});
